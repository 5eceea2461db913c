import { basename } from 'node:path';

import * as vscode from 'vscode';

import { MeasureInputError } from '../measures';
import { ChildRunError } from '../inference/childClient';
import type { ChildService } from '../inference/childService';
import { readMeasureFile } from '../pipeline/measureFile';
import type { MeasureJson } from '../../shared/result';
import { workspaceSettings } from './workspaceSettings';

/**
 * PropSweep: Measure Property Gradient of a Predictions File. Reads `{strengths?, predictions,
 * labels?}` (what a training script can dump for a path it edited itself), measures it in the
 * inference child process and shows the result beside the editor, as a read-only document.
 */
export async function measurePredictions(
  children: ChildService,
  log: vscode.LogOutputChannel,
  uri: vscode.Uri | undefined,
): Promise<void> {
  const target = uri ?? (await pickFile());
  if (target === undefined) return;
  const name = basename(target.fsPath);
  try {
    const file = await readMeasureFile(target.fsPath, name);
    const settings = workspaceSettings(log);
    const options = {
      permutations: settings.permutations,
      seed: settings.seed,
      alpha: settings.alpha,
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
        try {
          const child = await children.get();
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
          subscription.dispose();
        }
      },
    );
    log.info(
      `${name}: EPGM ${result.epgm}, p = ${result.p_value} (${result.n_permutations} permutations, seed ${result.seed}), flips ${result.flips ?? 'n/a'}`,
    );
    const doc = await vscode.workspace.openTextDocument(
      measureDocuments.add(name, measureMarkdown(name, result)),
    );
    await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
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

/**
 * Read-only documents for measurements (scheme `propsweep-measure`): a result is not a file, and
 * an untitled document would ask to be saved when the window closes.
 */
export class MeasureDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'propsweep-measure';
  private readonly texts = new Map<string, string>();
  private next = 1;

  /** Keeps `text` and returns the URI that shows it. */
  add(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({
      scheme: MeasureDocuments.scheme,
      path: `/PropSweep ${this.next++} - ${name}.md`,
    });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (
      this.texts.get(uri.toString()) ??
      'This measurement is no longer available: run the command again.'
    );
  }
}

/** The documents of this window's measurements. */
export const measureDocuments = new MeasureDocuments();

/** The measurement as a Markdown document (predictions without images need no panel). */
export function measureMarkdown(name: string, r: MeasureJson): string {
  const label = (c: number): string => r.labels?.[c] ?? `output ${c}`;
  const test = r.exact
    ? `all ${r.n_permutations} orders (exact)`
    : `${r.n_permutations} permutations, seed ${r.seed}`;
  const rows = [
    [
      'EPGM',
      `${r.epgm} (${r.statistic === 'output' ? label(r.output ?? 0) : 'whole prediction vector'}, ${r.axis === 'index' ? 'per step, legacy' : 'per unit of normalised strength'})`,
    ],
    ['p-value', `${r.p_value} (${test}; reference-style ${r.p_value_legacy})`],
    ['significant', `${r.significant ? 'yes' : 'no'} at alpha = ${r.alpha}`],
    ['null mean', String(r.null_mean)],
    ['total variation', String(r.total_variation)],
    [
      'flips',
      r.flips === null
        ? 'not counted'
        : `${r.flips}${(r.flip_details ?? []).map((f) => `; ${label(f.from)} -> ${label(f.to)} at ${f.strength}`).join('')}`,
    ],
    ['steps x outputs', `${r.n_steps} x ${r.n_outputs}`],
  ];
  const perOutput =
    r.n_outputs > 1
      ? [
          '',
          '| output | EPGM |',
          '| --- | ---: |',
          ...r.epgm_per_output.map((v, c) => `| ${label(c)} | ${v} |`),
        ]
      : [];
  return [
    `# PropSweep: ${name}`,
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k ?? ''} | ${(v ?? '').replace(/\|/g, '\\|')} |`),
    ...perOutput,
    ...(r.warnings.length > 0 ? ['', ...r.warnings.map((w) => `> ${w}`)] : []),
    '',
  ].join('\n');
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
