import { join } from 'node:path';

import {
  analyse,
  complete,
  MEASURE_DEFAULTS,
  MEASURE_LIMITS,
  type MeasureResult,
} from '../extension/measures';
import { checkLabels, parseMeasureFile, type MeasureFile } from '../extension/pipeline/measureFile';
import { toMeasureJson } from '../extension/pipeline/measureJson';
import { runPermutationTest } from '../extension/pipeline/permutationPool';
import { readRegularText, UnreadableFileError } from '../extension/files/boundedFiles';
import { numberFlag, parse, UsageError } from './args';
import { formatNumber } from '../shared/format';
import { formatSize } from '../shared/format';
import { FILE_LIMITS, LIMITS } from '../shared/limits';
import { terminalText } from './terminal';

/** Help text of `propsweep measure`. */
export const MEASURE_HELP = `Usage: propsweep measure --input FILE.json [options]

Measures how predictions change along a path of gradually edited images: the expected property
gradient magnitude (EPGM), a permutation (shuffle) test and prediction flips.

FILE.json: {"strengths": [s1, ..., sN] (optional), "predictions": [[..], ..] or [..],
            "labels": [..] (optional)}        ("-" reads standard input)
            at most ${formatSize(FILE_LIMITS.predictionsBytes)} and ${LIMITS.measureSteps.toLocaleString('en-US')} steps

Options:
  --legacy              differentiate by sample index, as the reference implementation does
  --output C            explain output C alone (default: the whole prediction vector)
  --permutations K      shuffles in the test (default ${MEASURE_DEFAULTS.permutations}, at most ${MEASURE_LIMITS.permutations};
                        all N! orders when N! <= K)
  --seed S              seed of the shuffles, 0..4294967295 (default ${MEASURE_DEFAULTS.seed})
  --alpha A             significance level (default ${MEASURE_DEFAULTS.alpha})
  --edge-order 1|2      one-sided differences at the ends (default ${MEASURE_DEFAULTS.edgeOrder})
  --period P            the property is periodic with period P (e.g. 360 for degrees)
  --threshold T         class boundary for a single output per step (default 0.5 for values in [0, 1])
  --source-class C      class predicted on the unedited source (default: the first step's)
  --threads N           worker threads for large tests (default: all cores)
  --json                print one JSON object instead of a report
  -h, --help            show this help

Predictions so large (or strengths so close) that their differences would overflow double
precision are refused: EPGM and p are always finite, and p is never 0.

Exit codes: 0 done, 2 bad input or usage, 1 internal error.`;

const OPTIONS = {
  input: { type: 'string' },
  legacy: { type: 'boolean' },
  output: { type: 'string' },
  permutations: { type: 'string' },
  seed: { type: 'string' },
  alpha: { type: 'string' },
  'edge-order': { type: 'string' },
  period: { type: 'string' },
  threshold: { type: 'string' },
  'source-class': { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Runs `propsweep measure`; returns the text to print. `readStdin` reads at most the bytes it is
 * given (it refuses more with a 'too-large' UnreadableFileError).
 */
export async function measureCommand(
  argv: string[],
  readStdin: (maxBytes: number) => Promise<string>,
): Promise<string> {
  const { values } = parse(argv, OPTIONS, 'measure');
  if (values.help === true) return MEASURE_HELP;
  if (values.input === undefined)
    throw new UsageError('measure needs --input FILE.json (or --input - for standard input).');
  const file = await readInput(values.input, readStdin);
  const edgeOrder = numberFlag(values['edge-order'], 'edge-order', true);
  if (edgeOrder !== undefined && edgeOrder !== 1 && edgeOrder !== 2) {
    throw new UsageError(`--edge-order must be 1 or 2, got ${edgeOrder}.`);
  }
  const analysis = analyse(file, {
    legacy: values.legacy,
    output: numberFlag(values.output, 'output', true),
    permutations: numberFlag(values.permutations, 'permutations', true),
    seed: numberFlag(values.seed, 'seed', true),
    alpha: numberFlag(values.alpha, 'alpha'),
    edgeOrder,
    period: numberFlag(values.period, 'period'),
    threshold: numberFlag(values.threshold, 'threshold'),
    sourceClass: numberFlag(values['source-class'], 'source-class', true),
  });
  const labels = file.labels;
  checkLabels(labels, analysis.y.cols);
  const test = await runPermutationTest(analysis, {
    workerPath: join(__dirname, 'permutationWorker.js'),
    threads: numberFlag(values.threads, 'threads', true),
  });
  const result = complete(analysis, test);
  return values.json === true
    ? JSON.stringify(toMeasureJson(result, labels), null, 2)
    : report(values.input, result, labels);
}

/** The predictions file: a regular file (or standard input) of bounded size, BOM dropped. */
async function readInput(
  path: string,
  readStdin: (maxBytes: number) => Promise<string>,
): Promise<MeasureFile> {
  const bound = FILE_LIMITS.predictionsBytes;
  let text: string;
  try {
    text = path === '-' ? await readStdin(bound) : await readRegularText(path, bound);
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    const why = error.reason === 'missing' ? 'no such file' : error.message;
    throw new UsageError(
      `cannot read --input ${path}: ${why}. Give a JSON file of at most ${formatSize(bound)}.`,
    );
  }
  return parseMeasureFile(text, path === '-' ? 'standard input' : path);
}

function report(
  input: string,
  result: MeasureResult,
  labels: readonly string[] | undefined,
): string {
  const { test, flips } = result;
  // Labels are the predictions file's: shown as terminalText writes them.
  const name = (c: number): string => terminalText(labels?.[c] ?? `output ${c}`);
  const units =
    result.axis === 'index' ? 'per step (legacy, index axis)' : 'per unit of normalised strength';
  const what =
    result.statistic.kind === 'output' ? name(result.statistic.output) : 'whole prediction vector';
  const lines = [
    `propsweep measure ${input}`,
    `  path             ${result.steps} steps, ${result.outputs} output${result.outputs === 1 ? '' : 's'}, strengths ${formatNumber(result.strengths[0] ?? 0)} .. ${formatNumber(result.strengths.at(-1) ?? 0)}${result.periodic ? ` (periodic, period ${result.period ?? ''})` : ''}`,
    `  EPGM             ${formatNumber(result.epgm)}  ${what}, ${units}`,
  ];
  if (result.outputs > 1) {
    const top = result.epgmPerOutput.map((v, c) => ({ v, c })).sort((a, b) => b.v - a.v);
    for (const { v, c } of top.slice(0, 8))
      lines.push(`    ${name(c).padEnd(14)} ${formatNumber(v)}`);
    if (top.length > 8) lines.push(`    ... ${top.length - 8} more outputs (--json lists all)`);
  }
  lines.push(`  total variation  ${formatNumber(result.totalVariation)}`);
  const kind = test.exact
    ? `all ${test.permutations} orders, exact`
    : `${test.permutations} permutations, seed ${test.seed}`;
  lines.push(
    `  shuffle test     p = ${formatNumber(test.pValue)} (${kind}; null mean ${formatNumber(test.nullMean)}, path ${test.direction} than chance)`,
    `                   ${test.significant ? 'significant' : 'not significant'} at alpha = ${test.alpha}; reference-style p = ${formatNumber(test.pValueLegacy)}`,
  );
  if (flips === null)
    lines.push('  flips            not counted (no class boundary for a single score)');
  else {
    const where = flips.flips
      .map((f) => `${name(f.from)} -> ${name(f.to)} at strength ${formatNumber(f.strength)}`)
      .join('; ');
    lines.push(`  flips            ${flips.count}${flips.count > 0 ? `: ${where}` : ''}`);
    lines.push(
      `  source class     ${name(flips.sourceClass)}${flips.sourceClassLost ? ', lost along the path' : ', kept along the whole path'}`,
    );
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n');
}
