// Result names: NAME.propsweep.json and NAME.frames/ go into a folder the user chose, so a name
// must be one plain file name on every platform: no separators, no parent or hidden names, no
// characters a shell or Windows would trip over. The extension and the CLI derive and check names
// with these same rules.

/** Longest result name: leaves room for ".propsweep.json" within a 255-byte file name. */
export const MAX_NAME_LENGTH = 200;

const UNSAFE = /[^\w.-]+/g;
// Windows refuses these as file names, with or without an extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;

/**
 * A safe result name from an image path and the edit (editor or preset id): runs of anything but
 * letters, digits, '.', '-' and '_' become '_', and leading dots are dropped.
 */
export function resultName(imagePath: string, edit: string): string {
  const file = imagePath.split(/[\\/]/).at(-1) ?? '';
  const stem = file.replace(/\.[^.]+$/, '');
  const name = `${stem}-${edit}`.replace(UNSAFE, '_').replace(/^\.+/, '');
  const safe = name.slice(0, MAX_NAME_LENGTH);
  return RESERVED.test(safe) ? `_${safe}` : safe;
}

/** Why `name` cannot name a result, or null when it can. */
export function resultNameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_NAME_LENGTH) return `it is longer than ${MAX_NAME_LENGTH} characters`;
  if (/[/\\]/.test(name)) return 'it contains a path separator (give the folder with --out)';
  if (name.startsWith('.')) return "it starts with '.' (a hidden or parent-folder name)";
  if (new RegExp(UNSAFE.source).test(name)) {
    return "it may use letters, digits, '.', '-' and '_' only";
  }
  if (RESERVED.test(name)) return 'it is a device name on Windows';
  return null;
}
