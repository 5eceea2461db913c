import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { MEASURE_DEFAULTS } from '../extension/measures';
import { pngDataUris } from '../extension/share/dataUris';
import { renderReport, type ReportEntry, type SummaryRow } from '../extension/share/reportHtml';
import { writeAtomic } from '../extension/store/atomic';
import { DEFAULT_CACHE_MAX_MB, pruneCache } from '../extension/store/frameCache';
import { makeFolders } from '../extension/store/makeFolders';
import type { ExplainRun } from '../shared/childProtocol';
import { stableStringify } from '../shared/resultFile';
import { numberFlag, parse, UsageError } from './args';
import { defaultCacheDir, runInChild } from './explainCommand';
import { ProgressBar } from './progress';

/** Help text of `propsweep demo`. */
export const DEMO_HELP = `Usage: propsweep demo [--out DIR] [--steps N] [--permutations K] [--seed S] [--json]

Explains the bundled demo images (models/demo/images) on fur colour and background brightness with
the three bundled classifiers (unbiased, trained on dark cats, trained on dark dogs), and writes
DIR/summary.json, DIR/report.html and one result folder per image and property (DIR defaults to
demo-output). The biased models should depend on fur colour; no model on the background.`;

const OPTIONS = {
  out: { type: 'string' },
  steps: { type: 'string' },
  permutations: { type: 'string' },
  seed: { type: 'string' },
  cache: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** One intervention of the demo manifest (models/demo/images/demo.json). */
interface DemoIntervention {
  readonly property: string;
  readonly kind: 'recolor' | 'brightness';
  readonly invertMask?: boolean;
  readonly target?: readonly number[];
  readonly factor?: number;
}

interface DemoImage {
  readonly name: string;
  readonly file: string;
  readonly mask: string;
  readonly label: string;
  readonly interventions: readonly DemoIntervention[];
}

/** Where the bundled demo lives, next to dist/ in the repository and in the VSIX. */
export function demoDir(): string {
  return join(__dirname, '..', 'models', 'demo');
}

/** Runs the demo; returns the table (or JSON) to print. */
export async function demoCommand(argv: string[], childPath: string): Promise<string> {
  const { values } = parse(argv, OPTIONS, 'demo');
  if (values.help === true) return DEMO_HELP;
  const dir = demoDir();
  const manifestPath = join(dir, 'images', 'demo.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    steps?: number;
    images?: DemoImage[];
  };
  const images = manifest.images ?? [];
  const models = readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((f) => ({ path: join(dir, f), name: basename(f, '.onnx') }));
  if (images.length === 0 || models.length === 0)
    throw new UsageError(`the demo in ${dir} has no images or no models.`);
  const out = resolve(values.out ?? 'demo-output');
  const steps = numberFlag(values.steps, 'steps', true) ?? manifest.steps ?? 21;
  const permutations =
    numberFlag(values.permutations, 'permutations', true) ?? MEASURE_DEFAULTS.permutations;
  const seed = numberFlag(values.seed, 'seed', true) ?? 0;
  const requests = images.flatMap((image) =>
    image.interventions.map((intervention) =>
      explainRunFor(dir, out, image, intervention, {
        steps,
        permutations,
        seed,
        models,
        cacheDir: resolve(values.cache ?? defaultCacheDir()),
      }),
    ),
  );
  const bar = new ProgressBar();
  const rows: SummaryRow[] = [];
  const entries: ReportEntry[] = [];
  await runInChild(childPath, async (child, signal) => {
    for (const [i, { request, image, property }] of requests.entries()) {
      const value = await child.explain(request, {
        signal,
        onProgress: (p) => {
          bar.update({
            ...p,
            message: `[${i + 1}/${requests.length}] ${image} / ${property}: ${p.message}`,
          });
        },
      });
      for (const m of value.result.models) {
        rows.push({
          model: m.name,
          image,
          property,
          epgm: m.measure.epgm,
          p_value: m.measure.p_value,
          flips: m.measure.flips,
        });
      }
      const frameUris = await pngDataUris(
        value.result.frames.map((f) => join(dirname(value.resultPath), f.file)),
      );
      entries.push({ title: `${image}: ${property}`, result: value.result, frameUris });
    }
  }).finally(() => {
    bar.finish();
  });
  await pruneCache(resolve(values.cache ?? defaultCacheDir()), DEFAULT_CACHE_MAX_MB);
  rows.sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      a.property.localeCompare(b.property) ||
      a.image.localeCompare(b.image),
  );
  await makeFolders(out);
  await writeAtomic(join(out, 'summary.json'), stableStringify(rows));
  await writeFile(
    join(out, 'report.html'),
    renderReport('propsweep demo: which property changes the answer?', entries, rows),
  );
  return values.json === true ? JSON.stringify(rows, null, 2) : table(rows, out);
}

function explainRunFor(
  dir: string,
  out: string,
  image: DemoImage,
  intervention: DemoIntervention,
  common: {
    steps: number;
    permutations: number;
    seed: number;
    models: { path: string; name: string }[];
    cacheDir: string;
  },
): { request: Omit<ExplainRun, 'type'>; image: string; property: string } {
  const slug = intervention.property.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const params: Record<string, string | number | boolean> =
    intervention.kind === 'recolor'
      ? { target: (intervention.target ?? []).map((v) => Math.round(v * 255)).join(',') }
      : { factor: intervention.factor ?? 1, invert: intervention.invertMask === true };
  return {
    image: image.name,
    property: intervention.property,
    request: {
      image: join(dir, 'images', image.file),
      mask: join(dir, 'images', image.mask),
      editor: intervention.kind === 'recolor' ? 'recolor' : 'masked-brightness',
      params,
      steps: common.steps,
      seed: common.seed,
      permutations: common.permutations,
      alpha: MEASURE_DEFAULTS.alpha,
      models: common.models,
      provider: 'cpu',
      cacheDir: common.cacheDir,
      outDir: join(out, `${image.name}-${slug}`),
      name: `${image.name}-${slug}`,
    },
  };
}

function table(rows: readonly SummaryRow[], out: string): string {
  const lines = [
    `  ${'model'.padEnd(12)} ${'property'.padEnd(22)} ${'image'.padEnd(10)} ${'EPGM'.padStart(9)} ${'p'.padStart(9)} ${'flips'.padStart(5)}`,
  ];
  for (const r of rows) {
    lines.push(
      `  ${r.model.padEnd(12)} ${r.property.padEnd(22)} ${r.image.padEnd(10)} ${r.epgm.toPrecision(3).padStart(9)} ${r.p_value.toPrecision(2).padStart(9)} ${String(r.flips ?? '-').padStart(5)}`,
    );
  }
  lines.push(
    '',
    `  summary: ${join(out, 'summary.json')}`,
    `  report:  ${join(out, 'report.html')}`,
  );
  return lines.join('\n');
}
