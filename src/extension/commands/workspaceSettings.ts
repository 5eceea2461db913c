// Reads the `propsweep.*` settings from VS Code (see settings.ts) and reports each bad value once,
// as an error message with an "Open Settings" button on that setting: the panel, the commands and
// the cache all read them here, often (every run, every trust change), so one message per value.
import * as vscode from 'vscode';

import { readSettings, settingMessage, type SettingProblem, type Settings } from './settings';

const OPEN_SETTINGS = 'Open Settings';

/** The problems already shown, by setting and value; forgotten when the settings change. */
const reported = new Set<string>();

/** The settings, valid; bad values are reported and replaced by their defaults. */
export function workspaceSettings(log: vscode.LogOutputChannel): Settings {
  const { settings, problems } = readSettings(vscode.workspace.getConfiguration('propsweep'));
  for (const problem of problems) report(problem, log);
  return settings;
}

/** Shows the messages again after a change to the settings (a value fixed, then broken again). */
export function watchSettings(): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration('propsweep')) reported.clear();
  });
}

function report(problem: SettingProblem, log: vscode.LogOutputChannel): void {
  const key = `${problem.setting}=${problem.given}`;
  if (reported.has(key)) return;
  reported.add(key);
  const message = settingMessage(problem);
  log.warn(message);
  void vscode.window.showErrorMessage(`PropSweep: ${message}`, OPEN_SETTINGS).then((choice) => {
    if (choice === OPEN_SETTINGS)
      void vscode.commands.executeCommand('workbench.action.openSettings', problem.setting);
  });
}

/**
 * Warns once per call about entries of a list setting that were skipped (an editor model or a
 * classifier that cannot be used), with an Open Settings button on `setting`.
 */
export function reportSkipped(
  log: vscode.LogOutputChannel,
  what: string,
  setting: string,
  problems: readonly string[],
): void {
  if (problems.length === 0) return;
  const message = `PropSweep skipped ${what} it cannot use: ${problems.join('; ')}.`;
  log.warn(message);
  void vscode.window.showWarningMessage(message, OPEN_SETTINGS).then((choice) => {
    if (choice === OPEN_SETTINGS)
      void vscode.commands.executeCommand('workbench.action.openSettings', setting);
  });
}
