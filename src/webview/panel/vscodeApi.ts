// The webview's handle on VS Code: messages to the host and the saved UI state.
import type { WebviewMessage } from '../../shared/protocol';

/** What acquireVsCodeApi() returns, typed with our message union. */
export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The VS Code API; acquireVsCodeApi may be called only once per webview, so call this once. */
export function acquireApi(): VsCodeApi {
  return acquireVsCodeApi();
}
