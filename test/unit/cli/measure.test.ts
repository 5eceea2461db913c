import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { measureCommand } from '../../../src/cli/measureCommand';
import { measure } from '../../../src/extension/measures';
import { cli, distFile, HOSTILE_TEXT, hasTerminalControl, twoClassPath } from '../helpers';

const dir = mkdtempSync(join(tmpdir(), 'propsweep-cli-'));
function input(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('propsweep measure --json', () => {
  test('prints the contract keys, with the numbers of the engine', () => {
    const predictions = twoClassPath(21);
    const r = cli([
      'measure',
      '--input',
      input('two.json', { predictions }),
      '--permutations',
      '500',
      '--seed',
      '7',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of [
      'epgm',
      'epgm_per_output',
      'p_value',
      'p_value_legacy',
      'null_mean',
      'flips',
      'flip_strengths',
      'total_variation',
      'n_permutations',
      'exact',
      'seed',
      'warnings',
    ]) {
      assert.ok(key in json, `missing ${key}`);
    }
    const direct = measure({ predictions }, { permutations: 500, seed: 7 });
    assert.equal(json.epgm, direct.epgm);
    assert.equal(json.p_value, direct.test.pValue);
    assert.equal(json.null_mean, direct.test.nullMean);
    assert.equal(json.n_permutations, 500);
    assert.equal(json.seed, 7);
    assert.equal(json.exact, false);
    assert.equal(json.flips, 1);
    // The dog probability crosses 1/2 between t = 0.5 (exactly 1/2, a tie kept by class 0) and 0.55.
    assert.deepEqual(json.flip_strengths, [11]);
  });

  test('reproduces the legacy sine of shared/METHOD.md from the bundled example', () => {
    const r = cli([
      'measure',
      '--input',
      'examples/sine-legacy.json',
      '--legacy',
      '--json',
      '--permutations',
      '2000',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as {
      epgm: number;
      null_mean: number;
      p_value: number;
      p_value_legacy: number;
    };
    assert.ok(Math.abs(json.epgm - 0.0608826) < 5e-8, String(json.epgm)); // METHOD.md fact
    assert.ok(Math.abs(json.null_mean - 0.39) < 0.01, String(json.null_mean)); // METHOD.md: about 0.390
    assert.equal(json.p_value, 1 / 2001); // no shuffle is as smooth: b = 0, p = 1/(K+1)
    assert.equal(json.p_value_legacy, 0); // what the reference prints
  });

  test('--output, --edge-order, --period, --threshold and stdin', () => {
    const strengths = [0, 0.1, 0.15, 0.4, 0.7, 1];
    const predictions = strengths.map((t) => t * t);
    const r = cli(
      ['measure', '--input', '-', '--edge-order', '2', '--json', '--threshold', '0.3'],
      JSON.stringify({ strengths, predictions }),
    );
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as {
      epgm: number;
      exact: boolean;
      n_permutations: number;
      flips: number;
    };
    // METHOD.md: g = [0, .2, .3, .8, 1.4, 2.0] with second-order edges; EPGM = mean |g| = 4.7 / 6.
    assert.ok(Math.abs(json.epgm - 4.7 / 6) < 1e-12);
    assert.equal(json.exact, true); // 6! = 720 <= 10000: every order enumerated
    assert.equal(json.n_permutations, 720);
    assert.equal(json.flips, 1); // 0.16 -> 0.49 crosses the 0.3 threshold
    const out = cli([
      'measure',
      '--input',
      input('m.json', { predictions: twoClassPath(9) }),
      '--output',
      '1',
      '--json',
    ]);
    assert.equal((JSON.parse(out.stdout) as { statistic: string; output: number }).output, 1);
    const periodic = cli([
      'measure',
      '--input',
      input('p.json', { strengths: [0, 90, 180, 270], predictions: [0.1, 0.2, 0.3, 0.2] }),
      '--period',
      '360',
      '--json',
    ]);
    assert.equal((JSON.parse(periodic.stdout) as { periodic: boolean }).periodic, true);
  });

  test('the report names the labels, the flip and the test', () => {
    const r = cli(['measure', '--input', 'examples/two-class-flip.json', '--permutations', '999']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /EPGM\s+0\.94/);
    assert.match(r.stdout, /cat -> dog at strength 0\.65/);
    assert.match(r.stdout, /999 permutations, seed 0/);
  });
});

describe('bad input: exit code 2 and one line that says what to do', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing file', ['--input', join(dir, 'nope.json')], /cannot read --input .*no such file/],
    ['not JSON', ['--input', input('bad.json', '{"predictions": [1, 2,')], /not valid JSON/],
    ['no predictions', ['--input', input('np.json', { values: [1, 2, 3] })], /"predictions" array/],
    ['two steps', ['--input', input('two-steps.json', { predictions: [0.1, 0.2] })], /at least 3/],
    [
      'ragged',
      ['--input', input('ragged.json', { predictions: [[0.5, 0.5], [1], [0, 1]] })],
      /ragged: step 1 has 1 outputs/,
    ],
    [
      'duplicate strengths',
      ['--input', input('dup.json', { strengths: [0, 1, 1], predictions: [1, 2, 3] })],
      /strictly increasing.*duplicates/,
    ],
    [
      'length mismatch',
      ['--input', input('len.json', { strengths: [0, 1], predictions: [1, 2, 3] })],
      /strengths has 2 values but predictions has 3/,
    ],
    [
      'null in predictions',
      ['--input', input('nan.json', { predictions: [0.1, null, 0.3] })],
      /predictions\[1\] is null, not a number/,
    ],
    [
      'K < 1',
      ['--input', 'examples/two-class-flip.json', '--permutations', '0'],
      /permutations must be a whole number >= 1/,
    ],
    [
      'K not a number',
      ['--input', 'examples/two-class-flip.json', '--permutations', 'many'],
      /--permutations must be a whole number/,
    ],
    [
      'unknown flag',
      ['--input', 'examples/two-class-flip.json', '--bogus'],
      /Unknown option '--bogus'/,
    ],
    [
      'output out of range',
      ['--input', 'examples/two-class-flip.json', '--output', '5'],
      /output 5 does not exist/,
    ],
    [
      'labels mismatch',
      [
        '--input',
        input('lab.json', {
          labels: ['a'],
          predictions: [
            [1, 0],
            [0, 1],
            [1, 0],
          ],
        }),
      ],
      /labels has 1 names/,
    ],
    ['no --input', [], /needs --input/],
    [
      'predictions of +-1e308 (p would be 0)',
      ['--input', input('huge.json', { predictions: [1e308, -1e308, 1e308, -1e308, 1e308] })],
      /are too large: the gradient or the shuffle test would overflow double precision/,
    ],
    [
      '--permutations 1e12',
      ['--input', input('k.json', { predictions: [0.1, 0.5, 0.9] }), '--permutations', '1e12'],
      /permutations must be at most 1,000,000/,
    ],
  ];
  for (const [name, args, message] of cases) {
    test(name, () => {
      const r = cli(['measure', ...args]);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    });
  }
  test('an unknown command', () => {
    const r = cli(['explode']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "explode"/);
  });
});

describe('unbounded or odd input files end at once with exit 2', () => {
  /** The built CLI with `stdin` as its standard input (a file descriptor). */
  function cliWithStdin(args: string[], stdin: number): { code: number; stderr: string } {
    const r = spawnSync(process.execPath, [distFile('cli.js'), ...args], {
      stdio: [stdin, 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stderr: r.stderr };
  }

  test('a FIFO, /dev/zero and /dev/zero on standard input are refused, not read for ever', () => {
    const fifo = join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const r = cli(['measure', '--input', fifo]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /cannot read --input .*pipe\.json: it is not a regular file/);
    if (!existsSync('/dev/zero')) return;
    const zero = cli(['measure', '--input', '/dev/zero']);
    assert.equal(zero.code, 2, zero.stderr);
    assert.match(zero.stderr, /--input \/dev\/zero: it is not a regular file/);
    const fd = openSync('/dev/zero', 'r');
    try {
      const piped = cliWithStdin(['measure', '--input', '-'], fd);
      assert.equal(piped.code, 2, piped.stderr);
      assert.match(piped.stderr, /cannot read --input -: .*more than the limit of 256 MiB/);
      assert.equal(piped.stderr.trim().split('\n').length, 1);
    } finally {
      closeSync(fd);
    }
  });

  test('more steps than measure takes are refused before any work', () => {
    const r = cli([
      'measure',
      '--input',
      input('long.json', { predictions: new Array(100_002).fill(0.5) }),
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /has 100,002 steps, more than the 100,001 measure takes/);
  });

  test('a file saved with a byte-order mark is read, from a file and from standard input', () => {
    const text = `\uFEFF${JSON.stringify({ predictions: [0.1, 0.5, 0.9, 0.2] })}`;
    const file = cli(['measure', '--input', input('bom.json', text), '--json']);
    assert.equal(file.code, 0, file.stderr);
    const piped = cli(['measure', '--input', '-', '--json'], text);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, file.stdout);
  });
});

test("a predictions file's labels are printed with their control characters escaped", async () => {
  const path = input('hostile.json', {
    predictions: twoClassPath(9),
    labels: [`cat${HOSTILE_TEXT}`, `dog${HOSTILE_TEXT}`],
  });
  const report = await measureCommand(['--input', path, '--permutations', '50'], () =>
    Promise.reject(new Error('no standard input')),
  );
  const plain = await measureCommand(
    [
      '--input',
      input('plain.json', { predictions: twoClassPath(9), labels: ['cat', 'dog'] }),
      '--permutations',
      '50',
    ],
    () => Promise.reject(new Error('no standard input')),
  );
  for (const line of report.split('\n')) assert.ok(!hasTerminalControl(line), JSON.stringify(line));
  assert.equal(report.split('\n').length, plain.split('\n').length);
  assert.match(report, /flips {12}1: cata\\u001b\]8;;http/);
});
