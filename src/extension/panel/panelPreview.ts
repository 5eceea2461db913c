// A run's preview in the panel: the answer and its frames as raw pixels, shown as soon as the
// measures are done while the inference child writes the frame files. The pixels go to the
// webview in their own message (sent once, not with every snapshot); the snapshot names them by id.
// Until the run's files are loaded (ExplanationPanel.showResult), nothing can be saved or
// exported, since there is nothing on disk yet.
import type { RunPreview } from '../../shared/childProtocol';
import {
  PANEL_PROTOCOL_VERSION,
  type HostMessage,
  type PanelSnapshot,
} from '../../shared/protocol';

/** What the panel (and the notification) says while a previewed run writes its frames. */
export const WRITING_FRAMES = 'Writing frames…';

/** The message that carries a preview's pixels to the webview. */
export type PreviewFramesMessage = Extract<HostMessage, { type: 'panel/previewFrames' }>;

/**
 * What shows `preview` (numbered `id`, unique within the panel): the frames message, posted first,
 * and the change to the snapshot that refers to it.
 */
export function previewUpdate(
  preview: RunPreview,
  id: number,
): { readonly frames: PreviewFramesMessage; readonly change: Partial<PanelSnapshot> } {
  return {
    frames: {
      type: 'panel/previewFrames',
      version: PANEL_PROTOCOL_VERSION,
      id,
      frames: preview.frames.map(({ width, height, pixels }) => ({
        width,
        height,
        pixels: ownBuffer(pixels),
      })),
    },
    change: {
      state: 'running',
      progress: { message: WRITING_FRAMES },
      error: null,
      result: preview.result,
      frameUris: [],
      preview: { id },
      // The source image is not in the webview's resource roots until the result is loaded: the
      // difference view compares with the first step meanwhile.
      sourceUri: null,
      reconstructionUri: null,
      stale: [],
      savedPath: null,
    },
  };
}

/**
 * Why the shown result cannot be saved or exported (its frames are not written), or null when
 * it can. The webview disables those actions already; this answers a request that comes anyway.
 */
export function unwrittenProblem(snapshot: PanelSnapshot): string | null {
  if (snapshot.preview === null) return null;
  return snapshot.state === 'running'
    ? 'its frames are still being written; try again in a moment'
    : 'the run stopped before its frames were written; run it again';
}

/**
 * The pixels in an ArrayBuffer of their own: the webview receives typed arrays by their buffer,
 * and one received from the child may be a view into a larger one.
 */
function ownBuffer(pixels: Uint8Array): Uint8Array {
  return pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength
    ? pixels
    : new Uint8Array(pixels);
}
