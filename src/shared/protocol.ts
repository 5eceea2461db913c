// Messages between the extension host and the panel webview: one union per direction, scoped
// names, a protocol version. Both sides validate what they receive.
import { isMeasureJson, type MeasureJson } from './result';

/** Bumped whenever a message changes shape. */
export const PANEL_PROTOCOL_VERSION = 1;

/** What the panel shows: one measured path and its predictions, for the curve. */
export interface PanelSnapshot {
  readonly title: string;
  /** Predictions per step (rows) and output (columns), as measured. */
  readonly predictions: readonly (readonly number[])[];
  readonly result: MeasureJson;
}

/** Webview to host. */
export type WebviewMessage = { readonly type: 'panel/ready' };

/** Host to webview. */
export type HostMessage = {
  readonly type: 'panel/snapshot';
  readonly version: number;
  readonly snapshot: PanelSnapshot;
};

/** Validates a message from the webview. */
export function isWebviewMessage(x: unknown): x is WebviewMessage {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'panel/ready';
}

/** Validates a message from the host. */
export function isHostMessage(x: unknown): x is HostMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (m.type !== 'panel/snapshot' || m.version !== PANEL_PROTOCOL_VERSION) return false;
  const s = m.snapshot as Record<string, unknown> | null | undefined;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.title === 'string' &&
    Array.isArray(s.predictions) &&
    s.predictions.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number')) &&
    isMeasureJson(s.result)
  );
}

/** Exhaustiveness check for switches over message unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
