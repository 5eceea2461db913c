// Messages between the extension host and the panel webview: one union per direction, scoped
// names, a protocol version. Both sides validate what they receive: the webview trusts nothing
// from a result file, the host trusts nothing from the webview.
import { validateResultFile, type ResultFile } from './resultFile';

/** Bumped whenever a message changes shape. */
export const PANEL_PROTOCOL_VERSION = 2;

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
  /** Webview URIs of result.frames, in order. */
  readonly frameUris: readonly string[];
  /** Webview URI of the unedited source image, for the difference view (null: use frame 0). */
  readonly sourceUri: string | null;
  /** Opened from a saved file: viewing only, no re-run. */
  readonly readOnly: boolean;
  /** Models whose file changed since the result was made (sha256 mismatch) or is missing. */
  readonly stale: readonly { readonly model: string; readonly reason: string }[];
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
  readonly adjustment: 'none' | 'holm' | 'bh';
  /**
   * What the host needs to reopen this panel after a reload; the webview keeps it in its state
   * (`vscode.setState({ ...ui, restore })`) for the panel serializer.
   */
  readonly restore: { readonly resultPath: string } | null;
}

/** A panel with nothing in it yet (the settings' defaults until they are read). */
export const EMPTY_SNAPSHOT: PanelSnapshot = {
  title: 'PropSweep',
  state: 'idle',
  progress: null,
  error: null,
  result: null,
  frameUris: [],
  sourceUri: null,
  readOnly: false,
  stale: [],
  savedPath: null,
  canRun: true,
  runBlockedReason: null,
  alpha: 0.01,
  effectThreshold: 0.05,
  adjustment: 'holm',
  restore: null,
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
  | { readonly type: 'panel/setAdjustment'; readonly adjustment: 'none' | 'holm' | 'bh' };

/** Host to webview. */
export type HostMessage =
  | { readonly type: 'panel/snapshot'; readonly version: number; readonly snapshot: PanelSnapshot }
  /** Ask the webview to draw itself as PNG and answer with `panel/exportPng`. */
  | { readonly type: 'panel/requestPng' };

const ADJUSTMENTS = ['none', 'holm', 'bh'];
const STATES = ['idle', 'running', 'done', 'error', 'cancelled'];

/** The largest PNG export accepted from the webview (bytes of the data: URL). */
export const MAX_PNG_DATA_URL = 32 * 1024 * 1024;

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
      return true;
    case 'panel/exportPng':
      return (
        typeof m.dataUrl === 'string' &&
        m.dataUrl.startsWith('data:image/png;base64,') &&
        m.dataUrl.length <= MAX_PNG_DATA_URL
      );
    case 'panel/exportPngFailed':
      return typeof m.error === 'string' && m.error.length < 2000;
    case 'panel/setAdjustment':
      return typeof m.adjustment === 'string' && ADJUSTMENTS.includes(m.adjustment);
    default:
      return false;
  }
}

/** Validates a message from the host (the result inside is checked like any untrusted file). */
export function isHostMessage(x: unknown): x is HostMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (m.type === 'panel/requestPng') return true;
  if (m.type !== 'panel/snapshot' || m.version !== PANEL_PROTOCOL_VERSION) return false;
  const s = m.snapshot as Record<string, unknown> | null | undefined;
  if (typeof s !== 'object' || s === null) return false;
  const strings = (v: unknown): boolean =>
    Array.isArray(v) && v.every((u) => typeof u === 'string');
  const stringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
  const staleEntry = (e: unknown): boolean =>
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { model?: unknown }).model === 'string' &&
    typeof (e as { reason?: unknown }).reason === 'string';
  const result = s.result;
  return (
    typeof s.title === 'string' &&
    typeof s.state === 'string' &&
    STATES.includes(s.state) &&
    typeof s.readOnly === 'boolean' &&
    typeof s.canRun === 'boolean' &&
    typeof s.alpha === 'number' &&
    typeof s.effectThreshold === 'number' &&
    typeof s.adjustment === 'string' &&
    ADJUSTMENTS.includes(s.adjustment) &&
    stringOrNull(s.error) &&
    stringOrNull(s.sourceUri) &&
    stringOrNull(s.savedPath) &&
    stringOrNull(s.runBlockedReason) &&
    strings(s.frameUris) &&
    Array.isArray(s.stale) &&
    s.stale.every(staleEntry) &&
    (result === null ||
      (validateResultFile(result).length === 0 &&
        (result as ResultFile).frames.length === (s.frameUris as unknown[]).length))
  );
}

/** Exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
