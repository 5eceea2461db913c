// "How to export…": the README's "Diffusion editor models" section, from the README that ships in
// the extension (vsce names it readme.md in the VSIX; README.md in a checkout). VS Code's Markdown
// preview opens at the heading given as the URI's fragment; without the Markdown extension the
// README opens as text with the heading at the top.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import * as vscode from 'vscode';

import { HELP_COMMANDS } from '../../shared/childProtocol';
import { headingLine, headingSlug, README_HEADING } from './instructionEdit';

/** The internal command that opens the section (the panel's error button runs it). */
export const EDITOR_MODEL_HELP_COMMAND = HELP_COMMANDS['editor-model'];

/** Opens the README at "Diffusion editor models"; logs and says so when it cannot. */
export async function showEditorModelHelp(
  extensionPath: string,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const path = ['README.md', 'readme.md'].map((f) => join(extensionPath, f)).find(existsSync);
  if (path === undefined) {
    void vscode.window.showErrorMessage(
      `PropSweep: its README is missing from ${extensionPath}. Export an editor model with: optimum-cli export onnx --model timbrooks/instruct-pix2pix --task image-to-image DIR.`,
    );
    return;
  }
  const uri = vscode.Uri.file(path);
  try {
    await vscode.commands.executeCommand(
      'markdown.showPreview',
      uri.with({ fragment: headingSlug(README_HEADING) }),
    );
  } catch (error) {
    log.warn(`The Markdown preview did not open (${String(error)}); opening the README as text.`);
    const document = await vscode.workspace.openTextDocument(uri);
    const line = headingLine(document.getText(), README_HEADING) ?? 0;
    const at = new vscode.Range(line, 0, line, 0);
    const editor = await vscode.window.showTextDocument(document, { selection: at });
    editor.revealRange(at, vscode.TextEditorRevealType.AtTop);
  }
}
