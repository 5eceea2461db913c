// Extension host entry. Activation only registers commands: nothing heavy loads here; every
// computation runs in the forked inference child process.
import * as vscode from 'vscode';

import { measurePredictions } from './commands/measurePredictions';

/** Called by VS Code on the first use of a contributed command. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('PropSweep', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('propsweep.measurePredictions', (uri?: vscode.Uri) =>
      measurePredictions(context, log, uri),
    ),
  );
}

/** Everything is in context.subscriptions; VS Code disposes it. */
export function deactivate(): void {
  // nothing else to release
}
