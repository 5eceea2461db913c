// The aggregate panel's handle on VS Code: messages to the host and the saved UI state.
import type { FolderWebviewMessage } from '../../shared/folderProtocol';

/** What acquireVsCodeApi() returns, typed with the folder panel's message union. */
export interface FolderApi {
  postMessage(message: FolderWebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): FolderApi;

/** The VS Code API; acquireVsCodeApi may be called only once per webview, so call this once. */
export function acquireFolderApi(): FolderApi {
  return acquireVsCodeApi();
}
