// Builds the VSIX for one platform: a production bundle, `vsce package --target`, then a check of
// what went in (and, for this machine's own platform, a smoke run of the unpacked extension).
//
// Usage: node scripts/package.mjs [--target linux-x64] [--out FILE] [--max-mb N] [--no-build]
//                                 [--no-smoke]
//
// The natives (onnxruntime-node, sharp) ship in the VSIX's node_modules, one platform's binaries
// only, chosen by .vscodeignore. For a target whose sharp binaries this checkout lacks, the
// extension is staged in a temporary folder and its production dependencies are installed there
// for that platform (`npm ci --os --cpu`), so the checkout's own node_modules stays untouched.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '..');

/**
 * The platforms onnxruntime-node 1.30 ships binaries for (bin/napi-v6/<os>/<cpu>), with the sharp
 * packages each needs. No alpine (no musl build of onnxruntime), no darwin-x64, no linux-armhf.
 */
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', sharp: ['sharp-linux-x64', 'sharp-libvips-linux-x64'] },
  'linux-arm64': {
    os: 'linux',
    cpu: 'arm64',
    sharp: ['sharp-linux-arm64', 'sharp-libvips-linux-arm64'],
  },
  'darwin-arm64': {
    os: 'darwin',
    cpu: 'arm64',
    sharp: ['sharp-darwin-arm64', 'sharp-libvips-darwin-arm64'],
  },
  // sharp's Windows packages carry libvips themselves.
  'win32-x64': { os: 'win32', cpu: 'x64', sharp: ['sharp-win32-x64'] },
  'win32-arm64': { os: 'win32', cpu: 'arm64', sharp: ['sharp-win32-arm64'] },
};

/** What the extension needs at run time, relative to the VSIX's extension/ folder. */
const REQUIRED = [
  'package.json',
  'readme.md',
  'LICENSE.txt',
  'dist/extension.js',
  'dist/inferenceChild.js',
  'dist/permutationWorker.js',
  'dist/classifierWorker.js',
  'dist/cli.js',
  'dist/webview.js',
  'media/panel.css',
  'models/demo/unbiased.onnx',
  'models/demo/unbiased.json',
  'models/demo/dark-cats.onnx',
  'models/demo/dark-dogs.onnx',
  'models/demo/images/demo.json',
  'models/demo/images/dark-cat.png',
  'models/demo/images/dark-cat.mask.png',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist/index.js',
  'node_modules/onnxruntime-common/package.json',
  'node_modules/onnxruntime-common/dist/cjs/index.js',
  // onnxruntime-common's package.json says "type": "module"; this one makes dist/cjs CommonJS.
  'node_modules/onnxruntime-common/dist/cjs/package.json',
  'node_modules/sharp/package.json',
  'node_modules/sharp/dist/index.cjs',
  'node_modules/@img/colour/package.json',
  'node_modules/detect-libc/package.json',
  'node_modules/semver/package.json',
];

/** What must never ship: sources, tests, tooling, maps, training code and data. */
const FORBIDDEN = [
  [/^(src|test|scripts|bench|examples|demo-output|\.ci|\.test-artifacts)\//, 'sources and tests'],
  [/\.(ts|mts|cts|map|py|pyc|tgz|vsix)$/, 'sources, maps, Python or archives'],
  [/^models\/(?!demo\/)/, 'training code and data (only models/demo ships)'],
  [/^dist\/bench\.js$/, 'the benchmark'],
  [/^node_modules\/(adm-zip|global-agent)\//, "onnxruntime-node's install-script dependencies"],
  [/^node_modules\/[^/]+\/(src|test|docs?)\//, 'dependency sources and tests'],
];

const KIB = 1024;
const MIB = 1024 * KIB;

main();

function main() {
  const started = performance.now();
  const { values } = parseCommandLine();
  const target = values.target;
  const spec = TARGETS[target];
  if (spec === undefined) {
    fail(
      `unknown or unsupported target "${target}".`,
      `Supported: ${Object.keys(TARGETS).join(', ')} (the platforms onnxruntime-node ships ` +
        'binaries for).',
    );
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = resolve(
    values.out ?? join(root, `${manifest.name}-${manifest.version}-${target}.vsix`),
  );
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!existsSync(vsce)) fail('@vscode/vsce is not installed.', 'Run `npm ci` first.');
  const ortBin = join(root, 'node_modules/onnxruntime-node/bin/napi-v6', spec.os, spec.cpu);
  if (!existsSync(ortBin)) {
    fail(
      `onnxruntime-node has no binaries for ${target} (${relative(root, ortBin)} is missing).`,
      'Run `npm ci` (onnxruntime-node ships every platform in its npm package).',
    );
  }

  if (values.build) {
    step('production build (NODE_ENV=production node esbuild.mjs)', () => {
      run(process.execPath, ['esbuild.mjs'], {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'production' },
      });
    });
  }

  const ignore = ignoreFileFor(target, spec);
  const sharpHere = spec.sharp.every((name) => existsSync(join(root, 'node_modules/@img', name)));
  let stage;
  try {
    let cwd = root;
    if (!sharpHere) {
      stage = mkdtempSync(join(tmpdir(), `propsweep-package-${target}-`));
      cwd = stage;
      step(`stage the extension with ${target}'s production dependencies in ${stage}`, () => {
        stageFor(stage, spec);
      });
    }
    step(`vsce package --target ${target}`, () => {
      mkdirSync(dirname(out), { recursive: true });
      rmSync(out, { force: true });
      const args = [vsce, 'package', '--target', target, '--out', out];
      // No repository URL to publish from, and README images stay relative (no URL to rewrite to).
      args.push('--allow-missing-repository', '--no-rewrite-relative-links');
      if (ignore !== undefined) args.push('--ignoreFile', ignore);
      run(process.execPath, args, { cwd, quiet: true });
    });
  } finally {
    if (stage !== undefined) rmSync(stage, { recursive: true, force: true });
    if (ignore !== undefined) rmSync(dirname(ignore), { recursive: true, force: true });
  }

  const entries = readZipEntries(out);
  const problems = checkContents(entries, spec);
  printSummary(out, entries);
  if (problems.length > 0) {
    fail(
      `the VSIX's contents are wrong:\n  - ${problems.join('\n  - ')}`,
      'Fix .vscodeignore (an allowlist: `**` then `!` re-includes) and run again.',
    );
  }
  const maxMb = values['max-mb'] ?? (target === 'linux-x64' ? '30' : undefined);
  const size = statSync(out).size;
  if (maxMb !== undefined && size > Number(maxMb) * MIB) {
    fail(
      `${relative(root, out)} is ${(size / MIB).toFixed(2)} MB, over the ${maxMb} MB budget.`,
      'Look at the largest entries above; prune them in .vscodeignore.',
    );
  }

  const host = `${process.platform}-${process.arch}`;
  if (values.smoke && target === host) {
    step('smoke test of the unpacked VSIX (natives load, the demo runs)', () => {
      smokeTest(out);
    });
  } else if (values.smoke) {
    console.log(`[package] no smoke test: ${target} binaries cannot run on ${host}`);
  }
  console.log(
    `[package] ${relative(process.cwd(), out) || out}: ${(size / MIB).toFixed(2)} MB, ` +
      `${entries.length} files, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        target: { type: 'string', default: 'linux-x64' },
        out: { type: 'string' },
        'max-mb': { type: 'string' },
        build: { type: 'boolean', default: true },
        smoke: { type: 'boolean', default: true },
      },
      allowNegative: true,
      strict: true,
    });
  } catch (error) {
    fail(
      error instanceof Error ? error.message : String(error),
      'Usage: node scripts/package.mjs [--target linux-x64] [--out FILE] [--max-mb N] ' +
        '[--no-build] [--no-smoke]',
    );
  }
}

/**
 * .vscodeignore names linux-x64's natives; another target gets a copy with those names rewritten
 * (passed to vsce as --ignoreFile). Returns undefined for linux-x64: .vscodeignore as it is.
 */
function ignoreFileFor(target, spec) {
  if (target === 'linux-x64') return undefined;
  const text = readFileSync(join(root, '.vscodeignore'), 'utf8')
    .replaceAll('linux-x64', target)
    .replaceAll('linux/x64', `${spec.os}/${spec.cpu}`);
  const file = join(mkdtempSync(join(tmpdir(), 'propsweep-vscodeignore-')), '.vscodeignore');
  writeFileSync(file, text);
  return file;
}

/** Copies what the VSIX takes from the checkout and installs production deps for one platform. */
function stageFor(stage, spec) {
  for (const path of ['package.json', 'package-lock.json', 'README.md', 'LICENSE']) {
    if (existsSync(join(root, path))) cpSync(join(root, path), join(stage, path));
  }
  for (const path of ['dist', 'media', 'models/demo']) {
    cpSync(join(root, path), join(stage, path), { recursive: true });
  }
  // --ignore-scripts: onnxruntime-node's install script would download CUDA libraries.
  run(
    'npm',
    [
      'ci',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--os',
      spec.os,
      '--cpu',
      spec.cpu,
    ],
    { cwd: stage, quiet: true },
  );
  const missing = spec.sharp.filter((name) => !existsSync(join(stage, 'node_modules/@img', name)));
  if (missing.length > 0) {
    fail(
      `npm ci --os ${spec.os} --cpu ${spec.cpu} did not install ${missing.map((n) => `@img/${n}`).join(', ')}.`,
      "Check that sharp's optionalDependencies in package-lock.json list them (npm install " +
        'regenerates the lock file with every platform).',
    );
  }
}

/** The platform-independent and platform-specific checks on the VSIX's file list. */
function checkContents(entries, spec) {
  const names = new Set(entries.map((entry) => entry.name));
  const problems = [];
  const required = [
    ...REQUIRED,
    `node_modules/onnxruntime-node/bin/napi-v6/${spec.os}/${spec.cpu}/onnxruntime_binding.node`,
    ...spec.sharp.map((name) => `node_modules/@img/${name}/package.json`),
  ];
  for (const path of required) {
    if (!names.has(`extension/${path}`)) problems.push(`missing extension/${path}`);
  }
  const ownBin = `node_modules/onnxruntime-node/bin/napi-v6/${spec.os}/${spec.cpu}/`;
  for (const { name } of entries) {
    const path = name.replace(/^extension\//, '');
    for (const [pattern, why] of FORBIDDEN) {
      if (pattern.test(path)) problems.push(`${name} should not ship (${why})`);
    }
    if (path.startsWith('node_modules/onnxruntime-node/bin/') && !path.startsWith(ownBin)) {
      problems.push(`${name} is another platform's onnxruntime binary`);
    }
    const img = /^node_modules\/@img\/([^/]+)\//.exec(path)?.[1];
    if (img !== undefined && img !== 'colour' && !spec.sharp.includes(img)) {
      problems.push(`${name} is another platform's sharp package`);
    }
  }
  return problems;
}

/** Sizes by group (compressed, as they weigh in the VSIX) and the five largest files. */
function printSummary(out, entries) {
  const groups = new Map();
  for (const entry of entries) {
    const path = entry.name.replace(/^extension\//, '');
    const parts = path.split('/');
    const key =
      parts[0] === 'node_modules'
        ? parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/')
        : parts.length > 1
          ? `${parts[0]}/`
          : path;
    const group = groups.get(key) ?? { files: 0, compressed: 0 };
    group.files += 1;
    group.compressed += entry.compressedSize;
    groups.set(key, group);
  }
  console.log(`[package] contents of ${relative(process.cwd(), out) || out} (compressed sizes):`);
  for (const [key, group] of [...groups].sort((a, b) => b[1].compressed - a[1].compressed)) {
    console.log(
      `  ${formatSize(group.compressed).padStart(9)}  ${String(group.files).padStart(3)} files  ${key}`,
    );
  }
  const largest = [...entries].sort((a, b) => b.size - a.size).slice(0, 5);
  console.log('[package] largest files (uncompressed):');
  for (const entry of largest)
    console.log(`  ${formatSize(entry.size).padStart(9)}  ${entry.name}`);
}

/** Unpacks the VSIX, loads the natives from it with plain Node and runs the bundled demo. */
function smokeTest(vsix) {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-vsix-'));
  try {
    for (const entry of readZipEntries(vsix, { withData: true })) {
      const path = join(dir, entry.name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, entry.data);
    }
    const extension = join(dir, 'extension');
    // Resolved from the unpacked folder only: nothing above /tmp has a node_modules.
    const loaded = run(
      process.execPath,
      [
        '-e',
        "const ort = require('onnxruntime-node'); const sharp = require('sharp');" +
          "const version = require('onnxruntime-node/package.json').version;" +
          'console.log(`onnxruntime-node ${version} loaded, ' +
          'sharp ${sharp.versions.sharp} with libvips ${sharp.versions.vips}`);',
      ],
      { cwd: extension, capture: true },
    );
    console.log(`[package]   loaded from the VSIX: ${loaded.trim()}`);
    // A cache of its own, so the editors really run through the VSIX's sharp.
    const demoOut = join(dir, 'demo-output');
    const args = ['demo', '--permutations', '200', '--out', demoOut, '--cache', join(dir, 'cache')];
    run(process.execPath, [join(extension, 'dist', 'cli.js'), ...args], {
      cwd: dir,
      capture: true,
    });
    const rows = JSON.parse(readFileSync(join(demoOut, 'summary.json'), 'utf8'));
    // The demo's promise (README): the model trained on dark cats depends on fur colour.
    const fur = Array.isArray(rows)
      ? rows.find(
          (r) => r.model === 'dark-cats' && r.image === 'dark-cat' && /fur/.test(r.property),
        )
      : undefined;
    if (fur === undefined || !(fur.epgm > 0.5)) {
      fail(
        `the demo run from the unpacked VSIX did not find dark-cats' dependence on fur colour ` +
          `(row: ${JSON.stringify(fur)}).`,
        `Run it by hand: node ${join(extension, 'dist', 'cli.js')} ${args.join(' ')}`,
      );
    }
    console.log(
      `[package]   demo from the VSIX: ${rows.length} rows; dark-cats, fur colour, dark-cat: ` +
        `EPGM ${fur.epgm.toPrecision(3)}, p ${fur.p_value.toPrecision(2)}, flips ${fur.flips}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads a zip's central directory (and, with withData, each file's bytes). vsce writes plain zips:
 * no zip64, stored or deflated entries. Enough to check and unpack a VSIX without an unzip tool.
 * @returns {{ name: string, size: number, compressedSize: number, data?: Buffer }[]}
 */
function readZipEntries(file, { withData = false } = {}) {
  const zip = readFileSync(file);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) fail(`${file} is not a zip file.`, 'Delete it and run npm run package again.');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50)
      fail(`${file}: corrupt central directory.`, 'Rebuild it.');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    const entry = { name, size, compressedSize };
    if (withData) {
      if (name.split('/').includes('..')) fail(`${file}: unsafe path ${name}.`, 'Rebuild it.');
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(start, start + compressedSize);
      entry.data = method === 0 ? raw : inflateRawSync(raw);
    }
    entries.push(entry);
  }
  return entries;
}

function formatSize(bytes) {
  return bytes >= MIB ? `${(bytes / MIB).toFixed(2)} MB` : `${(bytes / KIB).toFixed(1)} KB`;
}

function step(title, action) {
  const started = performance.now();
  console.log(`[package] ${title} ...`);
  action();
  console.log(`[package] ${title}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Runs a command; on failure prints its output and exits with what failed.
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, quiet?: boolean, capture?: boolean }} options
 */
function run(command, args, options) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error || result.status !== 0) {
    console.error(output.trimEnd());
    fail(
      `\`${command === process.execPath ? 'node' : command} ${args.join(' ')}\` ` +
        `failed in ${options.cwd} (${result.error?.message ?? `exit code ${result.status}`}).`,
      'See its output above.',
    );
  }
  if (!options.quiet && !options.capture && output.trim()) console.log(output.trimEnd());
  return output;
}

function fail(what, fix) {
  console.error(`[package] ${what}\n[package] ${fix}`);
  process.exit(1);
}
