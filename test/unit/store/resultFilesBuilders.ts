// A saved result on disk, laid out as publishResult writes it, for the loader's tests and the
// report command's.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ResultFile } from '../../../src/shared/resultFile';
import { sampleResult } from '../builders';
import { solidPng } from '../share/pngBuilders';

/** A sample result whose frames are real PNGs in `x.frames/v1/`, as publishResult lays them out. */
export function writeSample(change: (r: ResultFile) => unknown = (r) => r): {
  dir: string;
  path: string;
  result: ResultFile;
} {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-result-'));
  mkdirSync(join(dir, 'x.frames', 'v1'), { recursive: true });
  const base = sampleResult();
  const result: ResultFile = {
    ...base,
    frames: base.frames.map((f, k) => ({ ...f, file: `x.frames/v1/00${k}.png` })),
  };
  for (const f of result.frames) writeFileSync(join(dir, f.file), solidPng(4, 4));
  writeFileSync(join(dir, 'cat.png'), solidPng(4, 4));
  writeFileSync(join(dir, 'tiny.onnx'), 'model bytes');
  const path = join(dir, 'x.propsweep.json');
  writeFileSync(path, JSON.stringify(change(result)));
  return { dir, path, result };
}
