// A run of Explain Property as the panel drives it: in the inference child, with a cancellable
// progress notification whose bar follows the editing phase, and the status bar item meanwhile.
import * as vscode from 'vscode';

import type { ExplainRun, RunPreview, RunProgress } from '../../shared/childProtocol';
import type { ChildService } from '../inference/childService';
import { WRITING_FRAMES } from './panelPreview';

/** An explanation to run: everything but what the child adds. */
export type RunRequest = Omit<ExplainRun, 'type'>;

/** What a run reports back to its panel. */
export interface RunCallbacks {
  /** Each progress message of the child. */
  readonly onProgress: (progress: RunProgress) => void;
  /** The answer, shown while the child writes the frames (then onResult follows, or an error). */
  readonly onPreview: (preview: RunPreview) => void;
  /** The finished result's file; awaited while the notification still shows. */
  readonly onResult: (resultPath: string) => Promise<void>;
}

/**
 * Runs `request` in the child until it finishes or `controller` aborts (Cancel in the
 * notification aborts it too), with its preview before the frames are written. Rejects with the
 * child's error, or an AbortError when cancelled.
 */
export async function explainWithProgress(
  children: ChildService,
  request: RunRequest,
  controller: AbortController,
  callbacks: RunCallbacks,
): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'PropSweep', cancellable: true },
    async (progress, token) => {
      const subscription = token.onCancellationRequested(() => {
        controller.abort();
      });
      try {
        const child = await children.get();
        let last = 0;
        const value = await child.explain(
          { ...request, preview: true },
          {
            signal: controller.signal,
            onPreview: (preview) => {
              progress.report({ message: WRITING_FRAMES });
              callbacks.onPreview(preview);
            },
            onProgress: (p) => {
              const fraction =
                p.done !== undefined && p.total !== undefined && p.total > 0
                  ? (100 * p.done) / p.total
                  : undefined;
              // The notification's bar shows the editing phase (the long one), never going back.
              const increment =
                fraction === undefined || p.phase !== 'edit'
                  ? undefined
                  : Math.max(0, fraction - last);
              if (fraction !== undefined && p.phase === 'edit') last = fraction;
              progress.report({
                message: p.message,
                ...(increment !== undefined && { increment }),
              });
              callbacks.onProgress(p);
            },
          },
        );
        await callbacks.onResult(value.resultPath);
      } finally {
        subscription.dispose();
      }
    },
  );
}

/** Shows the spinning status bar item of a running explanation (click: the log). */
export function showRunning(statusBar: vscode.StatusBarItem): void {
  statusBar.text = '$(sync~spin) PropSweep';
  statusBar.tooltip = 'PropSweep is explaining an image (click to show the log)';
  statusBar.command = 'propsweep.showLog';
  statusBar.show();
}
