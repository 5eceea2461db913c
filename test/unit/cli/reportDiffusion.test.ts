// `propsweep report` of a diffusion result: the source beside the reconstruction in the HTML, linked
// in the Markdown, and refused like a frame when it leads elsewhere.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { UsageError } from '../../../src/cli/args';
import { reportCommand } from '../../../src/cli/reportCommand';
import { diffusionResult } from '../diffusionBuilders';
import { solidPng } from '../share/pngBuilders';
import { writeSample } from '../store/resultFilesBuilders';

/** The sample on disk as a diffusion result whose source is `file`. */
function diffusionSample(file: string): ReturnType<typeof writeSample> {
  const d = diffusionResult();
  return writeSample((r) => ({
    ...r,
    editor: d.editor,
    reconstruction: { change: 0.041, file },
    models: r.models.map((m, i) => ({ ...m, ...d.models[i], path: m.path, sha256: m.sha256 })),
  }));
}

test('the report shows the source beside the reconstruction and links it in the Markdown', async () => {
  const { dir } = diffusionSample('x.frames/v1/source.png');
  writeFileSync(
    join(dir, 'x.frames', 'v1', 'source.png'),
    solidPng(4, 4, () => [1, 2, 3]),
  );
  const out = mkdtempSync(join(tmpdir(), 'propsweep-report-'));
  await reportCommand(
    ['x.propsweep.json', '--html', join(out, 'r.html'), '--markdown', join(out, 'r.md')],
    () => undefined,
    dir,
  );
  const html = readFileSync(join(out, 'r.html'), 'utf8');
  assert.match(html, /<img src="data:image\/png;base64,[^"]+" alt="Source">/);
  assert.match(html, /Editor run: 20 denoising steps/);
  assert.match(html, /EPGM over seeds/);
  const md = readFileSync(join(out, 'r.md'), 'utf8');
  assert.match(md, /!\[source\]\(\.\.\/[^)]*x\.frames\/v1\/source\.png\)/);
  assert.match(md, /pixel change 4\.1 %/);
});

test('a source that is not in the frames folder is refused as a one-line usage error', async () => {
  const { dir } = diffusionSample('.env');
  writeFileSync(join(dir, '.env'), 'SECRET=1\n');
  await assert.rejects(
    reportCommand(['x.propsweep.json'], () => undefined, dir),
    (error) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, /the source image \.env is not in x\.frames\//);
      return true;
    },
  );
});
