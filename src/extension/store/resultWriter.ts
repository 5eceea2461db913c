import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { stableStringify, type ResultFile } from '../../shared/resultFile';
import { pngDataUris } from '../share/dataUris';
import { renderReport } from '../share/reportHtml';

/** What was written, all inside `dir`. */
export interface WrittenResult {
  /** The result as saved (frame paths relative to the result file). */
  readonly result: ResultFile;
  readonly resultPath: string;
  readonly reportPath: string;
  readonly framesDir: string;
}

/**
 * Writes `NAME.propsweep.json`, its frames in `NAME.frames/` and a self-contained `report.html`
 * into `dir`. Everything is built in a temporary folder inside `dir` and renamed into place, the
 * JSON last: a reader never finds a result whose frames are missing, and a failed or cancelled
 * write leaves the previous result as it was.
 */
export async function writeResult(
  dir: string,
  name: string,
  result: ResultFile,
  framePaths: readonly string[],
  title: string,
): Promise<WrittenResult> {
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.propsweep-${randomBytes(6).toString('hex')}.tmp`);
  const framesName = `${name}.frames`;
  try {
    await mkdir(join(temp, framesName), { recursive: true });
    const frames = result.frames.map((f, k) => ({
      ...f,
      file: `${framesName}/${String(k).padStart(3, '0')}.png`,
    }));
    for (const [k, frame] of frames.entries()) {
      const from = framePaths[k];
      if (from === undefined) throw new Error(`frame ${k} has no image`);
      await copyFile(from, join(temp, frame.file));
    }
    const uris = await pngDataUris(framePaths);
    const saved: ResultFile = { ...result, frames };
    await writeFile(join(temp, `${name}.propsweep.json`), stableStringify(saved));
    await writeFile(
      join(temp, 'report.html'),
      renderReport(title, [{ title, result: saved, frameUris: uris }]),
    );
    const framesDir = join(dir, framesName);
    await rm(framesDir, { recursive: true, force: true });
    await rename(join(temp, framesName), framesDir);
    await rename(join(temp, 'report.html'), join(dir, 'report.html'));
    await rename(join(temp, `${name}.propsweep.json`), join(dir, `${name}.propsweep.json`));
    return {
      result: saved,
      resultPath: join(dir, `${name}.propsweep.json`),
      reportPath: join(dir, 'report.html'),
      framesDir,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
