// The thread count of CPU sessions. onnxruntime's own choice on Linux is half the logical CPUs,
// which is one thread per core where each core runs two (SMT), and half the machine where the
// cores run one each, as on many virtual machines: on this project's 2-core VM a CPU session ran on
// one thread, and a batch of 16 images of the bench's 0.5 GMAC model took 77 ms against 41-44 ms
// on two threads.
// propsweep counts the physical cores itself on Linux: the CPUs this process may run on (its
// affinity), one per set of SMT siblings, at most the CPUs its cgroup's quota pays for. Elsewhere
// onnxruntime asks the system for its physical cores, and its choice is kept.
import { readFileSync } from 'node:fs';

import { CPU_THREADS_ENV, cpuThreadsOf } from '../../shared/cpuThreads';

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
 * Physical cores among `cpus`: CPUs with the same SMT siblings share a core. A CPU whose
 * siblings cannot be read counts as a core of its own.
 */
export function physicalCores(
  cpus: readonly number[],
  siblingsOf: (cpu: number) => string | null,
): number {
  const cores = new Set<string>();
  for (const cpu of cpus) cores.add(siblingsOf(cpu)?.trim() ?? `cpu${cpu}`);
  return cores.size;
}

/** The affinity's physical cores, at most the cgroup quota's CPUs, or null off Linux's files. */
export function linuxCores(read: ReadText): number | null {
  const status = read('/proc/self/status');
  const line = status?.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  const cpus = line === undefined ? null : parseCpuList(line.slice(line.indexOf(':') + 1));
  if (cpus === null || cpus.length === 0) return null;
  const cores = physicalCores(cpus, (cpu) =>
    read(`/sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`),
  );
  const quota = cgroupQuota(read);
  return quota === null ? cores : Math.min(cores, quota);
}

/** The smallest CPU quota of this process's cgroup and its ancestors (v2, else v1), or null. */
function cgroupQuota(read: ReadText): number | null {
  const quotas: number[] = [];
  const own = read('/proc/self/cgroup')
    ?.split('\n')
    .find((l) => l.startsWith('0::'))
    ?.slice(3)
    .trim();
  if (own !== undefined && own.startsWith('/') && !own.includes('..')) {
    const parts = own.split('/').filter((p) => p !== '');
    for (let depth = Math.min(parts.length, MAX_CGROUP_DEPTH); depth >= 0; depth--) {
      const dir = ['/sys/fs/cgroup', ...parts.slice(0, depth)].join('/');
      const [quota, period] = (read(`${dir}/cpu.max`) ?? '').trim().split(/\s+/);
      const cpus = quota === undefined || period === undefined ? null : quotaCpus(quota, period);
      if (cpus !== null) quotas.push(cpus);
    }
  }
  for (const dir of ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    const cpus = quota === null || period === null ? null : quotaCpus(quota, period);
    if (cpus !== null) quotas.push(cpus);
  }
  return quotas.length === 0 ? null : Math.min(...quotas);
}

/** What the environment and the machine make CPU sessions run with. */
export function cpuThreadChoice(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  read: ReadText,
): CpuThreadChoice {
  const given = env[CPU_THREADS_ENV];
  const set = cpuThreadsOf(given);
  if (set !== null && set > 0) {
    return {
      threads: set,
      reason: `as set: propsweep.cpuThreads, or ${CPU_THREADS_ENV} for the command line`,
    };
  }
  const ignored =
    set === null
      ? `${CPU_THREADS_ENV}=${JSON.stringify(given?.slice(0, 40))} is not a whole number from 0 to 256, so it is ignored; `
      : '';
  const cores = platform === 'linux' ? linuxCores(read) : null;
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
  chosen ??= cpuThreadChoice(process.env, process.platform, readText);
  return chosen;
}
