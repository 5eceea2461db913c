// What the panel's webview may load. A saved result comes from anyone (a pull request): its image
// path can point anywhere on the reviewer's disk, so the webview gets the extension's own assets
// and the result's folder, never the folder of a file the result names outside it. Pure paths:
// tested without VS Code.
import { dirname, join, relative } from 'node:path';

import { isWithin } from '../files/boundedFiles';

/**
 * The webview's resource roots: the extension's media (the stylesheet) and dist (the script), and
 * the folder of the result at `resultPath` when one is shown.
 */
export function resourceRootPaths(extensionPath: string, resultPath: string | undefined): string[] {
  return [
    join(extensionPath, 'media'),
    join(extensionPath, 'dist'),
    ...(resultPath === undefined ? [] : [dirname(resultPath)]),
  ];
}

/**
 * The folders a shown result's image and model paths may point into: its own folder and the
 * workspace folders (a reviewer's models live anywhere in the workspace). Wider than the webview's
 * roots: files there are read and hashed by the host, never loaded by the page.
 */
export function resultRoots(resultPath: string, workspaceFolders: readonly string[]): string[] {
  return [dirname(resultPath), ...workspaceFolders];
}

/**
 * The source image the panel may show beside the frames: only one inside the result's folder,
 * which the webview may load. Elsewhere (a live run's image in the workspace, a saved result's
 * `../cat.png`) the panel compares with the first frame instead.
 */
export function shownSourcePath(resultPath: string, sourcePath: string | null): string | null {
  if (sourcePath === null) return null;
  const rel = relative(dirname(resultPath), sourcePath);
  const inside = rel !== '' && isWithin(dirname(resultPath), sourcePath);
  return inside ? sourcePath : null;
}
