// What the command line prints goes to terminals and CI logs, and much of it comes from files that
// anyone may have written: a result's model names and labels, a folder summary's image paths and
// reasons, a checkpoint's or an image's file name, a predictions file's labels. Printed raw, their
// control characters would act on what shows them: ESC starts sequences that clear the screen, set
// the window title or hide a link (OSC 8); a carriage return or a backspace overwrites what was
// printed; a line break forges a line of its own (a CI log's `::error::`); bidirectional controls
// (U+202E) show text in another order than it is. Each such character is printed as its \u
// escape, which JSON reads as the same character: a --json output keeps its data.

/**
 * C0 controls (line breaks among them), DEL and C1 controls (U+009B is a one-character CSI),
 * Unicode's line and paragraph separators, and the bidirectional marks, embeddings, overrides and
 * isolates.
 */
const UNSHOWN =
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` on one line, every character a terminal would act on written as its `\uXXXX` escape. */
export function terminalText(text: string): string {
  return text.replace(UNSHOWN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A whole output (a table, a message, JSON) as terminalText writes each of its lines: its own line
 * breaks kept. For texts made outside the command line (messages of the store and the validators,
 * the Markdown summary, JSON) whose parts cannot be escaped one by one.
 */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}
