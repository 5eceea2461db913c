// The thread count of CPU sessions. onnxruntime counts physical cores itself, and does not always
// count them right: on this project's 2-core VM (one thread per core) its sessions ran on one
// thread, and a batch of 16 images of the bench's 0.5 GMAC model took 77 ms against 41-44 ms on
// two threads. propsweep counts the cores itself on Linux: the online CPUs this process may run on
// (its affinity), one per set of SMT siblings, at most the CPUs its cgroup's quota pays for and
// what the system says the process can use. Elsewhere onnxruntime's count is kept.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import { shown } from '../../shared/coerce';
import {
  CPU_THREADS_ALLOWED,
  CPU_THREADS_ENV,
  cpuThreadsOf,
  MAX_CPU_THREADS,
} from '../../shared/cpuThreads';

/** The thread count CPU sessions are given, or null for onnxruntime's own; and why, in words. */
export interface CpuThreadChoice {
  readonly threads: number | null;
  readonly reason: string;
}

/** Reads a small system file as text, or null when it cannot be read. */
export type ReadText = (path: string) => string | null;

/** More CPUs than any machine has: a list naming more is not believed. */
const MAX_CPUS = 65_536;

/** Ancestors of a cgroup looked at for a quota: far more than any real nesting. */
const MAX_CGROUP_DEPTH = 64;

/** The CPUs of a kernel CPU list such as `0-3,8,10-11`, or null when it is not one. */
export function parseCpuList(text: string): number[] | null {
  const cpus = new Set<number>();
  for (const part of text.trim().split(',')) {
    const match = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(part);
    if (match === null) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last >= MAX_CPUS) return null;
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * The CPUs a cgroup quota pays for (rounded up), from cgroup v2's `cpu.max` (`max 100000` is no
 * quota) or v1's quota and period (a quota of -1 is none); null when there is no quota.
 */
export function quotaCpus(quota: string, period: string): number | null {
  const q = Number(quota.trim());
  const p = Number(period.trim());
  if (quota.trim() === 'max' || !Number.isFinite(q) || q <= 0) return null;
  if (!Number.isFinite(p) || p <= 0) return null;
  return Math.max(1, Math.ceil(q / p));
}

/**
 * Physical cores among `cpus`: CPUs with the same SMT siblings share a core. CPUs whose siblings
 * cannot be read are left out, unless no CPU's can be: then each counts as a core.
 */
export function physicalCores(
  cpus: readonly number[],
  siblingsOf: (cpu: number) => string | null,
): number {
  const cores = new Set<string>();
  for (const cpu of cpus) {
    const siblings = siblingsOf(cpu)?.trim();
    if (siblings !== undefined && siblings !== '') cores.add(siblings);
  }
  return cores.size > 0 ? cores.size : cpus.length;
}

/** Most CPUs whose topology is read: a list naming more (and no online list) is not believed. */
const MAX_LISTED_CPUS = 4096;

/**
 * The physical cores of the online CPUs this process may run on, at most the CPUs its cgroup quota
 * pays for and `parallelism` (what the system says this process can use), or null when Linux's
 * files cannot be read.
 */
export function linuxCores(read: ReadText, parallelism: number): number | null {
  const status = read('/proc/self/status');
  const line = status?.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  const allowed = line === undefined ? null : parseCpuList(line.slice(line.indexOf(':') + 1));
  if (allowed === null) return null;
  // The affinity mask also names CPUs that are offline (SMT turned off, CPUs not present).
  const onlineText = read('/sys/devices/system/cpu/online');
  const online = onlineText === null ? null : parseCpuList(onlineText);
  const onlineSet = online === null ? null : new Set(online);
  const cpus = onlineSet === null ? allowed : allowed.filter((cpu) => onlineSet.has(cpu));
  if (cpus.length === 0 || cpus.length > MAX_LISTED_CPUS) return null;
  const cores = physicalCores(cpus, (cpu) =>
    read(`/sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`),
  );
  const quota = cgroupQuota(read);
  return Math.max(1, Math.min(cores, quota ?? cores, parallelism, MAX_CPU_THREADS));
}

/** Where cgroup v2 (unified, or beside v1 on a hybrid system) and v1's cpu controller are mounted. */
const V2_ROOTS = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];
const V1_ROOTS = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpuacct,cpu'];

/**
 * The smallest CPU quota of this process's cgroups and their ancestors: v2's `cpu.max`, v1's
 * `cpu.cfs_quota_us` over `cpu.cfs_period_us`; null when none sets one. A container sees its own
 * cgroup at the mount's root, which the walk up reaches too.
 */
function cgroupQuota(read: ReadText): number | null {
  const quotas: number[] = [];
  // A folder is read once, however many of the walks below reach it.
  const seen = new Set<string>();
  const walk = (
    roots: readonly string[],
    parts: readonly string[],
    quotaAt: (dir: string) => number | null,
  ): void => {
    for (const root of roots) {
      for (let depth = Math.min(parts.length, MAX_CGROUP_DEPTH); depth >= 0; depth--) {
        const dir = [root, ...parts.slice(0, depth)].join('/');
        if (seen.has(dir)) continue;
        seen.add(dir);
        const cpus = quotaAt(dir);
        if (cpus !== null) quotas.push(cpus);
      }
    }
  };
  const v2 = (dir: string): number | null => {
    const [quota, period] = (read(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
    return quota === undefined || period === undefined ? null : quotaCpus(quota, period);
  };
  const v1 = (dir: string): number | null => {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    return quota === null || period === null ? null : quotaCpus(quota, period);
  };
  // Lines "0::/path" (v2) and "N:cpu,cpuacct:/path" (v1's cpu controller).
  const lines = read('/proc/self/cgroup')?.split('\n') ?? [];
  for (const line of lines.slice(0, 64)) {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line.trim());
    const parts = match?.[2]?.split('/').filter((p) => p !== '');
    if (match === null || parts === undefined || parts.includes('..')) continue;
    if (match[1] === '') walk(V2_ROOTS, parts, v2);
    else if (match[1]?.split(',').includes('cpu') === true) walk(V1_ROOTS, parts, v1);
  }
  walk(V2_ROOTS, [], v2);
  walk(V1_ROOTS, [], v1);
  return quotas.length === 0 ? null : Math.min(...quotas);
}

/** What the environment and the machine make CPU sessions run with. */
export function cpuThreadChoice(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  read: ReadText,
  /** The CPUs the system says this process can use (os.availableParallelism()). */
  parallelism: number,
): CpuThreadChoice {
  const given = env[CPU_THREADS_ENV];
  const set = cpuThreadsOf(given);
  if (set !== null && set > 0) {
    // More threads than CPUs take turns on them: slower, not faster. Said, not refused.
    const over =
      set > parallelism ? `; more than the ${parallelism} CPUs this process may use` : '';
    return {
      threads: set,
      reason: `as set: propsweep.cpuThreads, or ${CPU_THREADS_ENV} for the command line${over}`,
    };
  }
  const ignored =
    set === null
      ? `${CPU_THREADS_ENV}=${shown(given)} is not ${CPU_THREADS_ALLOWED}, so it is ignored; `
      : '';
  const cores = platform === 'linux' ? linuxCores(read, parallelism) : null;
  if (cores !== null) {
    return { threads: cores, reason: `${ignored}one per physical core this process may use` };
  }
  return { threads: null, reason: `${ignored}one per physical core, as onnxruntime counts them` };
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').slice(0, 65_536);
  } catch {
    return null;
  }
}

let chosen: CpuThreadChoice | undefined;

/** This process's choice, made once (the machine and the variable do not change under it). */
export function cpuThreads(): CpuThreadChoice {
  chosen ??= cpuThreadChoice(process.env, process.platform, readText, availableParallelism());
  return chosen;
}
