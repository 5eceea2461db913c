// Messages between the extension host and the aggregate panel of a folder run (the webview that
// shows a `NAME.propsweep-folder.json`): one union per direction, scoped names, a protocol
// version, and requests that always get an answer. Both sides validate what they receive: the
// webview checks the folder file like any untrusted file, the host trusts nothing from the page.
import { isSafeId, shown } from './coerce';
import { validateFolderFile, type FolderFile } from './folderFile';
import { checked, isPngDataUrl, isReason, type Checked } from './protocol';

/** Bumped whenever a message changes shape. */
export const FOLDER_PROTOCOL_VERSION = 1;

/** The longest title, path or note the host sends. */
export const MAX_FOLDER_TEXT = 4000;

/** Everything the aggregate panel shows; sent whole after `folder/ready` and after each change. */
export interface FolderSnapshot {
  readonly title: string;
  /** The summary file as the user knows it (relative to the workspace when inside it). */
  readonly shownPath: string;
  /** The folder run shown; null while none could be read (then `error` says why). */
  readonly file: FolderFile | null;
  /**
   * Per row of `file.rows`, in order: the webview URI of its thumbnail, or '' when it has none
   * (not done, or the file is not a regular PNG inside the summary's folder).
   */
  readonly thumbnails: readonly string[];
  /** Why the file cannot be shown, or what failed; null when all is well. */
  readonly error: string | null;
  /** A note over the panel: a cancelled run shows what was done. */
  readonly note: string | null;
  /** What the host needs to reopen this panel after a reload (kept in the webview's state). */
  readonly restore: { readonly summaryPath: string } | null;
}

/** A panel with nothing in it yet. */
export const EMPTY_FOLDER_SNAPSHOT: FolderSnapshot = {
  title: 'PropSweep',
  shownPath: '',
  file: null,
  thumbnails: [],
  error: null,
  note: null,
  restore: null,
};

/** A request of the webview: the host answers each with `folder/answer` and the same id. */
export type FolderRequest =
  /** Open the result panel of row `row` of the shown file. */
  | { readonly type: 'folder/openImage'; readonly id: number; readonly row: number }
  | { readonly type: 'folder/exportHtml'; readonly id: number }
  | { readonly type: 'folder/exportMarkdown'; readonly id: number }
  /** The panel drawn as PNG by the webview, as a data: URL. */
  | { readonly type: 'folder/exportPng'; readonly id: number; readonly dataUrl: string };

/** Webview to host. */
export type FolderWebviewMessage =
  | { readonly type: 'folder/ready' }
  | FolderRequest
  /** The webview could not draw the panel as PNG (its export button). */
  | { readonly type: 'folder/exportPngFailed'; readonly error: string }
  /** The webview refused a message from the host (see folderHostMessageProblem). */
  | { readonly type: 'folder/invalid'; readonly reason: string };

/** Host to webview. */
export type FolderHostMessage =
  | {
      readonly type: 'folder/snapshot';
      readonly version: number;
      readonly snapshot: FolderSnapshot;
    }
  /** The outcome of the request with this id: ok, or what went wrong (already shown to the user). */
  | {
      readonly type: 'folder/answer';
      readonly id: number;
      readonly ok: boolean;
      readonly error: string | null;
    };

/** Validates a message from the webview. */
export function isFolderWebviewMessage(x: unknown): x is FolderWebviewMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'folder/ready':
      return true;
    case 'folder/openImage':
      return isSafeId(m.id) && isSafeId(m.row) && m.row >= 0;
    case 'folder/exportHtml':
    case 'folder/exportMarkdown':
      return isSafeId(m.id);
    case 'folder/exportPng':
      return isSafeId(m.id) && isPngDataUrl(m.dataUrl);
    case 'folder/exportPngFailed':
      return isReason(m.error);
    case 'folder/invalid':
      return isReason(m.reason);
    default:
      return false;
  }
}

/** The types of FolderRequest. */
const REQUEST_TYPES: readonly FolderRequest['type'][] = [
  'folder/openImage',
  'folder/exportHtml',
  'folder/exportMarkdown',
  'folder/exportPng',
];

/**
 * The id of a request that isFolderWebviewMessage refused, when it carries one: the host answers
 * it all the same (not ok), so that the page does not wait for the answer for ever.
 */
export function refusedRequestId(x: unknown): number | null {
  if (typeof x !== 'object' || x === null) return null;
  const m = x as Record<string, unknown>;
  return (REQUEST_TYPES as readonly unknown[]).includes(m.type) && isSafeId(m.id) ? m.id : null;
}

/**
 * A message from the host, or why it is refused: what the webview reports with
 * `folder/invalid`, naming the field and the value it had.
 */
export function checkFolderHostMessage(x: unknown): Checked<FolderHostMessage> {
  return checked(x, folderHostMessageProblem(x));
}

function folderHostMessageProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'the message is not an object';
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'folder/answer':
      if (!isSafeId(m.id)) return `the answer's id is ${shown(m.id)}, expected a whole number`;
      if (typeof m.ok !== 'boolean') return `the answer's ok is ${shown(m.ok)}, expected a flag`;
      return m.error === null || (typeof m.error === 'string' && m.error.length <= MAX_FOLDER_TEXT)
        ? null
        : `the answer's error is ${shown(m.error)}, expected a short text or null`;
    case 'folder/snapshot':
      if (m.version !== FOLDER_PROTOCOL_VERSION)
        return `protocol version ${shown(m.version)}, expected ${FOLDER_PROTOCOL_VERSION}`;
      return snapshotProblem(m.snapshot);
    default:
      return `unknown message type ${shown(m.type)}`;
  }
}

function snapshotProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'the snapshot is not an object';
  const s = x as Record<string, unknown>;
  const text = (v: unknown): boolean => typeof v === 'string' && v.length <= MAX_FOLDER_TEXT;
  const textOrNull = (v: unknown): boolean => v === null || text(v);
  const checks: [keyof FolderSnapshot, (v: unknown) => boolean, string][] = [
    ['title', text, 'a short text'],
    ['shownPath', text, 'a short text'],
    ['error', textOrNull, 'a short text or null'],
    ['note', textOrNull, 'a short text or null'],
    [
      'restore',
      (v) =>
        v === null || (typeof v === 'object' && text((v as { summaryPath?: unknown }).summaryPath)),
      'null or {summaryPath}',
    ],
    [
      'thumbnails',
      (v) => Array.isArray(v) && v.every((u) => typeof u === 'string'),
      'a list of strings',
    ],
  ];
  for (const [key, valid, expected] of checks) {
    if (!valid(s[key])) return `snapshot.${key} is ${shown(s[key])}, expected ${expected}`;
  }
  if (s.file === null) return null;
  const problems = validateFolderFile(s.file);
  if (problems.length > 0)
    return `the folder file cannot be shown: ${problems.slice(0, 3).join('; ')}`;
  const rows = (s.file as FolderFile).rows.length;
  const thumbnails = (s.thumbnails as unknown[]).length;
  return rows === thumbnails
    ? null
    : `the file has ${rows} images but ${thumbnails} thumbnail URIs came`;
}
