// Messages between the extension host and the panel webview: one union per direction, scoped
// names, a protocol version. Both sides validate what they receive: the webview trusts nothing
// from a result file, the host trusts nothing from the webview.
import { ADJUSTMENTS, isAdjustment, type Adjustment } from './adjust';
import { isSafeId, shown } from './coerce';
import { previewFramesProblem, type PreviewFrame } from './previewFrames';
import { validateResultFile, type ResultFile } from './resultFile';

/** A model of a shown result whose file is not the one the result was made with, or unchecked. */
export interface StaleModel {
  readonly model: string;
  readonly reason: string;
  /** 'stale': gone or changed; 'unchecked': not a file that may be read (not followed). */
  readonly kind: 'stale' | 'unchecked';
}

/** Bumped whenever a message changes shape. */
export const PANEL_PROTOCOL_VERSION = 6;

/** Where a run stands. */
export type PanelState = 'idle' | 'running' | 'done' | 'error' | 'cancelled';

/** Everything the panel shows; sent whole after `panel/ready` and after every change. */
export interface PanelSnapshot {
  readonly title: string;
  readonly state: PanelState;
  /** While running: what the run is doing. */
  readonly progress: {
    readonly message: string;
    readonly done?: number;
    readonly total?: number;
  } | null;
  /** When state is 'error': what happened and what to do. */
  readonly error: string | null;
  /** The explanation shown (null before the first run finishes). */
  readonly result: ResultFile | null;
  /** Webview URIs of result.frames, in order (empty while `preview` is set). */
  readonly frameUris: readonly string[];
  /**
   * Set while the run's frames are being written, or when writing them failed or was cancelled:
   * result.frames are shown from the raw pixels of the `panel/previewFrames` with this id, and
   * nothing can be saved or exported yet (the files do not exist).
   */
  readonly preview: { readonly id: number } | null;
  /** Webview URI of the unedited source image, for the difference view (null: use frame 0). */
  readonly sourceUri: string | null;
  /**
   * Webview URI of the source at the frames' size (`result.reconstruction.file`), shown beside the
   * first frame when the editor's first frame is not the source; null when there is none.
   */
  readonly reconstructionUri: string | null;
  /** Opened from a saved file: viewing only, no re-run. */
  readonly readOnly: boolean;
  /**
   * Models whose file changed since the result was made (sha256 mismatch) or is missing
   * ('stale'), or whose recorded path is not one that may be read (outside the workspace, not a
   * regular file, too large: 'unchecked').
   */
  readonly stale: readonly StaleModel[];
  /** Where the result was saved in the workspace, if it was. */
  readonly savedPath: string | null;
  /** False in a restricted (untrusted) workspace: results can be viewed, nothing runs. */
  readonly canRun: boolean;
  /** Why running is not possible, shown in the panel. */
  readonly runBlockedReason: string | null;
  /** Significance level for the badges. */
  readonly alpha: number;
  /** EPGM below which a significant change is reported as negligible. */
  readonly effectThreshold: number;
  /** Multiple-testing adjustment of the p-values shown when several models are compared. */
  readonly adjustment: Adjustment;
  /**
   * What the host needs to reopen this panel after a reload; the webview keeps it in its state
   * (`vscode.setState({ ...ui, restore })`) for the panel serializer.
   */
  readonly restore: { readonly resultPath: string } | null;
  /** While Watch Checkpoints runs in this panel: the folder and what it is doing; else null. */
  readonly watch: WatchStatus | null;
}

/** What a checkpoint watch in the panel is doing (Watch Checkpoints). */
export interface WatchStatus {
  /** The watched folder, as shown (relative to the workspace when inside it). */
  readonly folder: string;
  /** "Waiting for a new checkpoint", "Classifying ep12.onnx", or the last error. */
  readonly message: string;
  /** A checkpoint is being classified. */
  readonly running: boolean;
}

/** The longest watch message or folder shown. */
export const MAX_WATCH_TEXT = 2000;

/** A panel with nothing in it yet (the settings' defaults until they are read). */
export const EMPTY_SNAPSHOT: PanelSnapshot = {
  title: 'PropSweep',
  state: 'idle',
  progress: null,
  error: null,
  result: null,
  frameUris: [],
  preview: null,
  sourceUri: null,
  reconstructionUri: null,
  readOnly: false,
  stale: [],
  savedPath: null,
  canRun: true,
  runBlockedReason: null,
  alpha: 0.01,
  effectThreshold: 0.05,
  adjustment: 'holm',
  restore: null,
  watch: null,
};

/** Webview to host. */
export type WebviewMessage =
  | { readonly type: 'panel/ready' }
  | { readonly type: 'panel/save' }
  | { readonly type: 'panel/cancel' }
  | { readonly type: 'panel/rerun' }
  | { readonly type: 'panel/exportHtml' }
  | { readonly type: 'panel/exportMarkdown' }
  /** The panel drawn as PNG by the webview (chart, filmstrip and scores), as a data: URL. */
  | { readonly type: 'panel/exportPng'; readonly dataUrl: string }
  /** The webview could not draw the PNG (so a request always gets an answer). */
  | { readonly type: 'panel/exportPngFailed'; readonly error: string }
  | { readonly type: 'panel/setAdjustment'; readonly adjustment: Adjustment }
  /** Watch a checkpoint folder with this panel's explanation (the host asks which folder). */
  | { readonly type: 'panel/watch' }
  /** Stop the checkpoint watch of this panel. */
  | { readonly type: 'panel/stopWatch' }
  /**
   * The webview refused a message from the host (see hostMessageProblem): without this the panel
   * would stay blank with the reason only in the webview's console.
   */
  | { readonly type: 'panel/invalid'; readonly reason: string };

/** Host to webview. */
export type HostMessage =
  | { readonly type: 'panel/snapshot'; readonly version: number; readonly snapshot: PanelSnapshot }
  /**
   * A run's frames as downscaled pixels, before their files exist; a snapshot whose `preview.id`
   * is `id` shows them. Sent before that snapshot (and again after `panel/ready`).
   */
  | {
      readonly type: 'panel/previewFrames';
      readonly version: number;
      readonly id: number;
      readonly frames: readonly PreviewFrame[];
    };

/** Every panel state, in the order of PanelState. */
export const PANEL_STATES: readonly PanelState[] = [
  'idle',
  'running',
  'done',
  'error',
  'cancelled',
];

/** The largest PNG export accepted from the webview (bytes of the data: URL). */
export const MAX_PNG_DATA_URL = 32 * 1024 * 1024;

/** The longest reason the webview sends with `panel/invalid` or `panel/exportPngFailed`. */
export const MAX_REASON_LENGTH = 2000;

/** A PNG export as the webview sends it: a PNG data: URL of at most MAX_PNG_DATA_URL characters. */
export function isPngDataUrl(x: unknown): x is string {
  return (
    typeof x === 'string' && x.startsWith('data:image/png;base64,') && x.length <= MAX_PNG_DATA_URL
  );
}

/** A reason the webview gives (a refused message, a PNG it could not draw): a short text. */
export function isReason(x: unknown): x is string {
  return typeof x === 'string' && x.length < MAX_REASON_LENGTH;
}

/**
 * An error as a reason the host accepts (isReason): its message, cut to fit. One longer (a
 * drawing error quoting a whole data: URL) was dropped by the host, and the user was told nothing.
 */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length < MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 4)}...`;
}

/** A message that arrived, checked: the message when it is valid, else what is wrong with it. */
export type Checked<T> =
  { readonly ok: true; readonly message: T } | { readonly ok: false; readonly problem: string };

/** `x` as `T` when `problem` (what is wrong with it, or null) is null. */
export function checked<T>(x: unknown, problem: string | null): Checked<T> {
  return problem === null ? { ok: true, message: x as T } : { ok: false, problem };
}

/** Validates a message from the webview. */
export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'panel/ready':
    case 'panel/save':
    case 'panel/cancel':
    case 'panel/rerun':
    case 'panel/exportHtml':
    case 'panel/exportMarkdown':
    case 'panel/watch':
    case 'panel/stopWatch':
      return true;
    case 'panel/exportPng':
      return isPngDataUrl(m.dataUrl);
    case 'panel/exportPngFailed':
      return isReason(m.error);
    case 'panel/invalid':
      return isReason(m.reason);
    case 'panel/setAdjustment':
      return isAdjustment(m.adjustment);
    default:
      return false;
  }
}

/** Validates a message from the host (the result inside is checked like any untrusted file). */
export function isHostMessage(x: unknown): x is HostMessage {
  return hostMessageProblem(x) === null;
}

/**
 * A message from the host, or why it is refused: what the webview reports with `panel/invalid`,
 * naming the field and the value it had.
 */
export function checkHostMessage(x: unknown): Checked<HostMessage> {
  return checked(x, hostMessageProblem(x));
}

function hostMessageProblem(x: unknown): string | null {
  if (typeof x !== 'object' || x === null) return 'the message is not an object';
  const m = x as Record<string, unknown>;
  if (m.type !== 'panel/snapshot' && m.type !== 'panel/previewFrames')
    return `unknown message type ${shown(m.type)}`;
  if (m.version !== PANEL_PROTOCOL_VERSION)
    return `protocol version ${shown(m.version)}, expected ${PANEL_PROTOCOL_VERSION}`;
  if (m.type === 'panel/previewFrames') {
    if (!isSafeId(m.id)) return `the preview id is ${shown(m.id)}, expected a whole number`;
    return previewFramesProblem(m.frames);
  }
  const s = m.snapshot as Record<string, unknown> | null | undefined;
  if (typeof s !== 'object' || s === null) return 'the snapshot is not an object';
  const string = (v: unknown): boolean => typeof v === 'string';
  const stringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
  const boolean = (v: unknown): boolean => typeof v === 'boolean';
  const number = (v: unknown): boolean => typeof v === 'number';
  const staleEntry = (e: unknown): boolean =>
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { model?: unknown }).model === 'string' &&
    typeof (e as { reason?: unknown }).reason === 'string' &&
    ['stale', 'unchecked'].includes((e as { kind?: unknown }).kind as string);
  const checks: [keyof PanelSnapshot, (v: unknown) => boolean, string][] = [
    ['title', string, 'a string'],
    [
      'state',
      (v) => PANEL_STATES.some((state) => state === v),
      `one of ${PANEL_STATES.join(', ')}`,
    ],
    ['readOnly', boolean, 'true or false'],
    ['canRun', boolean, 'true or false'],
    ['alpha', number, 'a number'],
    ['effectThreshold', number, 'a number'],
    ['adjustment', isAdjustment, `one of ${ADJUSTMENTS.join(', ')}`],
    ['error', stringOrNull, 'a string or null'],
    ['sourceUri', stringOrNull, 'a string or null'],
    ['reconstructionUri', stringOrNull, 'a string or null'],
    ['savedPath', stringOrNull, 'a string or null'],
    ['runBlockedReason', stringOrNull, 'a string or null'],
    ['frameUris', (v) => Array.isArray(v) && v.every(string), 'a list of strings'],
    [
      'preview',
      (v) => v === null || (typeof v === 'object' && isSafeId((v as { id?: unknown }).id)),
      'null or {id}',
    ],
    ['stale', (v) => Array.isArray(v) && v.every(staleEntry), 'a list of {model, reason, kind}'],
    ['watch', watchStatus, 'null or {folder, message, running}'],
  ];
  for (const [key, valid, expected] of checks) {
    if (!valid(s[key])) return `snapshot.${key} is ${shown(s[key])}, expected ${expected}`;
  }
  const result = s.result;
  if (result === null) return null;
  const problems = validateResultFile(result);
  if (problems.length > 0) return `the result cannot be shown: ${problems.slice(0, 3).join('; ')}`;
  const frames = (result as ResultFile).frames.length;
  const uris = (s.frameUris as unknown[]).length;
  // A preview's frames come in their own message, checked there.
  if (s.preview !== null) return uris === 0 ? null : 'a previewed result came with frame URIs';
  return frames === uris ? null : `the result has ${frames} frames but ${uris} frame URIs came`;
}

/** Whether `v` is a snapshot's `watch`: null, or short texts and a flag. */
function watchStatus(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v !== 'object') return false;
  const w = v as Record<string, unknown>;
  const text = (t: unknown): boolean => typeof t === 'string' && t.length <= MAX_WATCH_TEXT;
  return text(w.folder) && text(w.message) && typeof w.running === 'boolean';
}

/** Exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
