import { basename } from 'node:path';

import * as vscode from 'vscode';

import { MeasureInputError } from '../measures';
import { ChildRunError, InferenceChild } from '../inference/childClient';
import { MeasurePanel } from '../panel/measurePanel';
import { parseMeasureFile } from '../pipeline/measureFile';

/**
 * PropSweep: Measure Property Gradient of a Predictions File. Reads `{strengths?, predictions,
 * labels?}` (what a training script can dump for a path it edited itself), measures it in the
 * inference child process and shows the result beside the editor.
 */
export async function measurePredictions(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  uri: vscode.Uri | undefined,
): Promise<void> {
  const target = uri ?? (await pickFile());
  if (target === undefined) return;
  const name = basename(target.fsPath);
  try {
    const file = parseMeasureFile(
      new TextDecoder().decode(await vscode.workspace.fs.readFile(target)),
      name,
    );
    const config = vscode.workspace.getConfiguration('propsweep');
    const options = {
      permutations: config.get<number>('permutations', 10000),
      seed: config.get<number>('seed', 0),
      alpha: config.get<number>('alpha', 0.01),
    };
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `PropSweep: measuring ${name}`,
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => {
          controller.abort();
        });
        const child = await InferenceChild.start(context.asAbsolutePath('dist/inferenceChild.js'), {
          stderr: (text) => {
            log.warn(text.trimEnd());
          },
        });
        try {
          return await child.measure(
            { ...file, options },
            {
              signal: controller.signal,
              onProgress: ({ message }) => {
                progress.report({ message });
              },
            },
          );
        } finally {
          child.dispose();
          subscription.dispose();
        }
      },
    );
    log.info(
      `${name}: EPGM ${result.epgm}, p = ${result.p_value} (${result.n_permutations} permutations, seed ${result.seed}), flips ${result.flips ?? 'n/a'}`,
    );
    MeasurePanel.show(context.extensionUri, {
      title: name,
      predictions: rowsOf(file.predictions),
      result,
    });
  } catch (error) {
    await report(error, name, log);
  }
}

async function pickFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Measure',
    filters: { 'Predictions (JSON)': ['json'] },
  });
  return picked?.[0];
}

function rowsOf(predictions: unknown): number[][] {
  if (!Array.isArray(predictions)) return [];
  return predictions.map((row: unknown) =>
    Array.isArray(row) ? (row as number[]) : [row as number],
  );
}

async function report(error: unknown, name: string, log: vscode.LogOutputChannel): Promise<void> {
  if (error instanceof DOMException && error.name === 'AbortError') {
    log.info(`${name}: cancelled`);
    return;
  }
  const userError =
    error instanceof MeasureInputError ||
    (error instanceof ChildRunError && error.kind === 'input');
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${name}: ${error instanceof Error ? (error.stack ?? message) : message}`);
  if (userError) {
    await vscode.window.showErrorMessage(`PropSweep cannot measure ${name}: ${message}`);
    return;
  }
  const choice = await vscode.window.showErrorMessage(
    `PropSweep failed on ${name}: ${message}`,
    'Show Log',
  );
  if (choice === 'Show Log') log.show();
}
