// Installs code-server (VS Code 1.100.3's workbench and Node extension host, served to a browser)
// into a cache folder outside the repository, once, and reuses it afterwards. VS Code desktop
// cannot be downloaded on our machines; code-server installs from the npm registry.
//
// Usage: node scripts/e2e/codeServer.mjs         ensure it is installed, print its folder
//        node scripts/e2e/codeServer.mjs --force reinstall
//
// A plain `npm install code-server` fails here three ways (its postinstall refuses root,
// @vscode/ripgrep downloads from GitHub, node-pty's postinstall waits on an npx prompt), so this
// follows shared/E2E.md: npm pack, install with --ignore-scripts, then rebuild the natives by name.
// The install happens in a `.partial-PID` folder renamed into place when it works; the marker file
// is written last, so an interrupted install is never mistaken for a complete one.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The last code-server release that runs on Node 20 (shared/E2E.md). */
export const CODE_SERVER_VERSION = '4.100.3';

/** Debian packages: headers for the native rebuilds, ripgrep (no GitHub download), Chromium. */
const APT_PACKAGES = [
  'libkrb5-dev',
  'libx11-dev',
  'libxkbfile-dev',
  'libsecret-1-dev',
  'pkg-config',
  'ripgrep',
  'chromium',
];

/** Natives of lib/vscode that `--ignore-scripts` left unbuilt. */
const VSCODE_NATIVES = [
  'node-pty',
  '@parcel/watcher',
  'kerberos',
  '@vscode/spdlog',
  'native-watchdog',
  '@vscode/deviceid',
];

const MARKER = '.propsweep-complete.json';

/** Where code-server is cached: $PROPSWEEP_E2E_CACHE or ~/.cache/propsweep-e2e (XDG aware). */
export function cacheRoot() {
  if (process.env.PROPSWEEP_E2E_CACHE) return resolve(process.env.PROPSWEEP_E2E_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'propsweep-e2e');
}

/** The folder of the cached code-server (complete or not). */
export function codeServerDir() {
  return join(cacheRoot(), `code-server-${CODE_SERVER_VERSION}`);
}

/**
 * Returns the folder of a complete code-server install, installing it first when the cache has
 * none (or one built for another Node ABI). Throws an Error saying what failed and what to do.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {{ dir: string, entry: string, installed: boolean, seconds: number }}
 */
export function ensureCodeServer(options = {}) {
  const log = options.log ?? ((line) => console.log(`[code-server] ${line}`));
  const started = performance.now();
  const dir = codeServerDir();
  const entry = join(dir, 'out', 'node', 'entry.js');
  const reason = options.force ? 'reinstall requested (--force)' : staleReason(dir);
  if (reason === undefined) {
    ensureAptPackages(log);
    log(`code-server ${CODE_SERVER_VERSION} cached at ${dir}`);
    return { dir, entry, installed: false, seconds: secondsSince(started) };
  }
  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (${reason}); takes 1-5 minutes`);
  ensureAptPackages(log);
  ensureBuildTools();
  install(dir, log);
  const seconds = secondsSince(started);
  log(`code-server ${CODE_SERVER_VERSION} installed in ${seconds.toFixed(0)} s at ${dir}`);
  return { dir, entry, installed: true, seconds };
}

/** Why the cache cannot be used, or undefined when it can. */
function staleReason(dir) {
  const marker = join(dir, MARKER);
  if (!existsSync(marker)) return existsSync(dir) ? 'previous install incomplete' : 'not cached';
  try {
    const recorded = JSON.parse(readFileSync(marker, 'utf8'));
    // The rebuilt natives are tied to the Node ABI that built them.
    if (recorded.nodeModules !== process.versions.modules) {
      return `cached for Node ABI ${recorded.nodeModules}, this is ${process.versions.modules}`;
    }
  } catch {
    return 'marker file unreadable';
  }
  if (!existsSync(join(dir, 'out', 'node', 'entry.js'))) return 'out/node/entry.js missing';
  return undefined;
}

function install(dir, log) {
  const root = dirname(dir);
  mkdirSync(root, { recursive: true });
  // A folder of our own, renamed into place at the end: an interrupted or concurrent install never
  // leaves a half-built folder where a complete one is expected.
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    // Outside any node_modules folder: npm run inside one climbs to the enclosing project.
    step(log, `npm pack code-server@${CODE_SERVER_VERSION}`, () => {
      run('npm', ['pack', `code-server@${CODE_SERVER_VERSION}`, '--pack-destination', root], {
        cwd: root,
      });
    });
    const tarball = join(root, `code-server-${CODE_SERVER_VERSION}.tgz`);
    step(log, 'unpack', () => {
      run('tar', ['-xzf', tarball, '-C', work, '--strip-components=1']);
      rmSync(tarball, { force: true });
    });
    step(log, 'npm install --omit=dev --ignore-scripts (code-server)', () => {
      npmInstall(work);
    });
    const vscode = join(work, 'lib', 'vscode');
    step(log, 'npm install --omit=dev --ignore-scripts (lib/vscode)', () => {
      npmInstall(vscode);
    });
    step(log, "ripgrep: Debian's /usr/bin/rg instead of @vscode/ripgrep's GitHub download", () => {
      const bin = join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
      mkdirSync(bin, { recursive: true });
      copyFileSync(which('rg'), join(bin, 'rg'));
      chmodSync(join(bin, 'rg'), 0o755);
    });
    step(log, `npm rebuild ${VSCODE_NATIVES.join(' ')} (native builds, the slow part)`, () => {
      run('npm', ['rebuild', ...VSCODE_NATIVES], { cwd: vscode, env: rebuildEnv() });
    });
    step(log, 'link node_modules.asar -> node_modules', () => {
      symlinkSync('node_modules', join(vscode, 'node_modules.asar'));
    });
    step(log, 'npm rebuild argon2', () => {
      run('npm', ['rebuild', 'argon2'], { cwd: work, env: rebuildEnv() });
    });
    step(log, 'check: code-server --version', () => {
      const out = run(process.execPath, [join(work, 'out', 'node', 'entry.js'), '--version'], {
        capture: true,
      });
      if (!out.includes(CODE_SERVER_VERSION)) {
        throw new Error(`code-server --version printed "${out.trim()}"`);
      }
    });
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    // Written last: its presence means every step above succeeded.
    writeFileSync(
      join(dir, MARKER),
      `${JSON.stringify(
        {
          codeServer: CODE_SERVER_VERSION,
          node: process.version,
          nodeModules: process.versions.modules,
          installedAt: new Date().toISOString(),
        },
        null,
        2,
      )}\n`,
    );
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

function npmInstall(cwd) {
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd });
}

/** node-gyp must find Node's headers without downloading them (no internet but the registry). */
function rebuildEnv() {
  const env = { ...process.env, npm_config_yes: 'true' };
  const configured = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const nodedir = configured.stdout?.trim();
  if (!nodedir || nodedir === 'undefined' || nodedir === 'null') {
    // Node's Debian and tarball installs ship headers under PREFIX/include/node.
    const prefix = resolve(dirname(process.execPath), '..');
    if (existsSync(join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
  }
  return env;
}

function step(log, title, action) {
  const started = performance.now();
  log(`${title} ...`);
  action();
  log(`${title}: done in ${secondsSince(started).toFixed(1)} s`);
}

/** Installs the Debian packages that are missing, with apt-get (as root) or tells how to. */
function ensureAptPackages(log) {
  const missing = APT_PACKAGES.filter((name) => !dpkgInstalled(name));
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `code-server's native rebuilds and the browser need ${missing.join(', ')}, and this machine ` +
        'has no apt-get. Install the equivalents with your package manager and run again.',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}. Install them and run again:\n  sudo sh -c '${command}'`,
    );
  }
  step(log, `apt-get install ${missing.join(' ')}`, () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  });
}

function dpkgInstalled(name) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/** node-gyp needs a C++ toolchain and Python; say so before a 3-minute build fails on it. */
function ensureBuildTools() {
  const missing = ['make', 'g++', 'python3'].filter((tool) => !whichOrUndefined(tool));
  if (missing.length > 0) {
    throw new Error(
      `the native rebuilds need ${missing.join(', ')}. Install them (Debian: apt-get install -y ` +
        'build-essential python3) and run again.',
    );
  }
}

function which(tool) {
  const path = whichOrUndefined(tool);
  if (path === undefined) throw new Error(`${tool} not found on PATH`);
  return path;
}

function whichOrUndefined(tool) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, tool))) return join(dir, tool);
  }
  return undefined;
}

/**
 * Runs a command; throws with the command, its folder and its last output when it fails.
 * @param {string} command @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, capture?: boolean }} [options]
 */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: options.capture ? 'pipe' : ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error || result.status !== 0) {
    const tail = output.trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `\`${command} ${args.join(' ')}\` failed in ${options.cwd ?? process.cwd()} ` +
        `(${result.error?.message ?? `exit code ${result.status}`}):\n${tail}`,
    );
  }
  return output;
}

function secondsSince(started) {
  return (performance.now() - started) / 1000;
}

/** Lists what the cache folder holds, for error messages. */
export function describeCache() {
  const root = cacheRoot();
  return existsSync(root) ? readdirSync(root).join(', ') || '(empty)' : '(no cache folder)';
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { dir } = ensureCodeServer({ force: process.argv.includes('--force') });
    console.log(dir);
  } catch (error) {
    console.error(
      `[code-server] could not install code-server ${CODE_SERVER_VERSION}: ${error instanceof Error ? error.message : String(error)}`,
    );
    console.error(
      `[code-server] cache: ${cacheRoot()} holds ${describeCache()}. Fix the cause above and run ` +
        '`node scripts/e2e/codeServer.mjs` again (it starts over; --force reinstalls a complete one).',
    );
    process.exit(1);
  }
}
