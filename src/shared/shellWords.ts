// A command line typed as one string (--model-command "python predict.py --checkpoint {checkpoint}",
// or typed in VS Code) split into words as a POSIX shell would split it, so that quoting works as
// users expect, but run without a shell: no expansion of variables, globs or `~`, no pipes.

/** The words of `line`: whitespace separates; '...' keeps everything; "..." and \ escape. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) {
        word += line[++i] as string;
      } else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[++i] as string;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) {
    throw new RangeError(
      `the command has an unclosed ${quote === "'" ? 'single' : 'double'} quote`,
    );
  }
  if (inWord) words.push(word);
  return words;
}
