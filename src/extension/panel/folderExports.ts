// The exports of the aggregate panel: a self-contained HTML report with the thumbnails embedded,
// a Markdown table on the clipboard for a pull request, and the PNG the webview drew.
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';

import * as vscode from 'vscode';

import { FOLDER_FILE_SUFFIX } from '../../shared/folderFile';
import { readRegularFile } from '../files/boundedFiles';
import { pngDataUri } from '../share/dataUris';
import { folderMarkdown } from '../share/folderMarkdown';
import { folderReportHtml } from '../share/folderReport';
import type { LoadedFolder } from './folderFiles';
import { drawnPng } from './panelExports';

/** The largest thumbnail embedded: they are made at about 96 px, so a few kilobytes each. */
const MAX_THUMBNAIL_BYTES = 512 * 1024;

/** The summary's path with its suffix replaced by `extension` (".html", ".png"). */
function besideSummary(loaded: LoadedFolder, extension: string): string {
  return loaded.path.endsWith(FOLDER_FILE_SUFFIX)
    ? loaded.path.slice(0, -FOLDER_FILE_SUFFIX.length) + extension
    : `${loaded.path}${extension}`;
}

/** A thumbnail as a data: URI for the report: read bounded, decoded before it is embedded. */
async function thumbnailUri(path: string): Promise<string> {
  return pngDataUri(await readRegularFile(path, MAX_THUMBNAIL_BYTES), basename(path));
}

/** Export HTML: asks where, then writes the report; false when the user cancelled. */
export async function exportFolderHtml(
  loaded: LoadedFolder,
  title: string,
  log: (line: string) => void,
): Promise<boolean> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(besideSummary(loaded, '.html')),
    filters: { HTML: ['html'] },
  });
  if (target === undefined) return false;
  const html = await folderReportHtml(title, loaded.file, loaded.thumbnails, thumbnailUri, log);
  await writeFile(target.fsPath, html);
  void vscode.window.showInformationMessage(`PropSweep exported ${target.fsPath}.`);
  return true;
}

/** Export Markdown: copies the table to the clipboard. */
export async function exportFolderMarkdown(loaded: LoadedFolder): Promise<void> {
  await vscode.env.clipboard.writeText(folderMarkdown(loaded.file));
  void vscode.window.showInformationMessage(
    'PropSweep copied a Markdown table of the folder run to the clipboard.',
  );
}

/** Export PNG: asks where (beside the summary by default), then writes the webview's drawing. */
export async function exportFolderPng(loaded: LoadedFolder, dataUrl: string): Promise<boolean> {
  const bytes = await drawnPng(dataUrl); // a PngError is the answer's error
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(besideSummary(loaded, '.png')),
    filters: { PNG: ['png'] },
  });
  if (target === undefined) return false;
  await writeFile(target.fsPath, bytes);
  void vscode.window.showInformationMessage(`PropSweep exported ${target.fsPath}.`);
  return true;
}
