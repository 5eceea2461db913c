// The CPU thread count: what PROPSWEEP_CPU_THREADS (propsweep.cpuThreads) accepts, and the physical
// cores counted from Linux's files, here fakes of the files of machines described in the tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  cpuThreadChoice,
  linuxCores,
  parseCpuList,
  physicalCores,
  quotaCpus,
  type ReadText,
} from '../../../src/extension/natives/cpuThreads';
import { cpuThreadsOf, isCpuThreads, MAX_CPU_THREADS } from '../../../src/shared/cpuThreads';

/** A machine's files: Cpus_allowed_list, each CPU's SMT siblings, and cgroup files. */
function machine(
  allowed: string,
  siblings: readonly string[],
  files: Record<string, string> = {},
): ReadText {
  const all: Record<string, string> = {
    '/proc/self/status': `Name:\tnode\nCpus_allowed:\tff\nCpus_allowed_list:\t${allowed}\nMems_allowed_list:\t0\n`,
    ...Object.fromEntries(
      siblings.map((s, cpu) => [
        `/sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`,
        `${s}\n`,
      ]),
    ),
    ...files,
  };
  return (path) => all[path] ?? null;
}

test('the variable takes a whole number from 0 to 256; unset or empty is 0, automatic', () => {
  assert.equal(cpuThreadsOf(undefined), 0);
  assert.equal(cpuThreadsOf(''), 0);
  assert.equal(cpuThreadsOf(' 4 '), 4);
  assert.equal(cpuThreadsOf(String(MAX_CPU_THREADS)), MAX_CPU_THREADS);
  for (const bad of ['-1', '257', '2.5', 'four', '1e3', '0x10', '99999']) {
    assert.equal(cpuThreadsOf(bad), null, bad);
  }
  assert.ok(isCpuThreads(0) && isCpuThreads(256));
  for (const bad of [-1, 257, 1.5, '4', null, Number.NaN])
    assert.ok(!isCpuThreads(bad), String(bad));
});

test('a kernel CPU list names each CPU once; anything else is refused', () => {
  assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
  assert.deepEqual(parseCpuList('2,0-1,1'), [0, 1, 2]);
  for (const bad of ['', '3-1', 'a', '0-', '0,,1', '0-70000', '1234567']) {
    assert.equal(parseCpuList(bad), null, bad);
  }
});

test('a cgroup quota pays for its CPUs rounded up; max and -1 are no quota', () => {
  assert.equal(quotaCpus('150000', '100000'), 2);
  assert.equal(quotaCpus('100000', '100000'), 1);
  assert.equal(quotaCpus('10000', '100000'), 1);
  assert.equal(quotaCpus('max', '100000'), null);
  assert.equal(quotaCpus('-1', '100000'), null);
  assert.equal(quotaCpus('100000', '0'), null);
  assert.equal(quotaCpus('x', '100000'), null);
});

test('CPUs with the same SMT siblings are one core; without any siblings, each CPU is one', () => {
  const siblings = ['0,4', '1,5', '2,6', '3,7', '0,4', '1,5', '2,6', '3,7'];
  assert.equal(
    physicalCores([0, 1, 2, 3, 4, 5, 6, 7], (cpu) => siblings[cpu] ?? null),
    4,
  );
  assert.equal(
    physicalCores([0, 4], (cpu) => siblings[cpu] ?? null),
    1,
  );
  assert.equal(
    physicalCores([0, 1, 2], () => null),
    3,
  );
  // A CPU without topology among CPUs with it is not a core of its own.
  assert.equal(
    physicalCores([0, 1, 9], (cpu) => siblings[cpu] ?? null),
    2,
  );
});

test('Linux: the cores of the online CPUs this process may use, within its cgroup quota', () => {
  // This project's VM: 2 CPUs, one thread per core (onnxruntime's own count is 1).
  assert.equal(linuxCores(machine('0-1', ['0', '1']), 2), 2);
  // 8 CPUs, 2 threads per core: 4 cores, as onnxruntime counts them.
  const smt = ['0,4', '1,5', '2,6', '3,7', '0,4', '1,5', '2,6', '3,7'];
  assert.equal(linuxCores(machine('0-7', smt), 8), 4);
  // taskset -c 0,4,1: two cores.
  assert.equal(linuxCores(machine('0,1,4', smt), 3), 2);
  // SMT turned off: the mask still names CPUs 4-7, which are offline and have no topology.
  const nosmt = machine('0-7', ['0', '1', '2', '3'], { '/sys/devices/system/cpu/online': '0-3\n' });
  assert.equal(linuxCores(nosmt, 4), 4);
  // 64 possible CPUs, 4 online.
  const few = machine('0-63', ['0', '1', '2', '3'], { '/sys/devices/system/cpu/online': '0-3\n' });
  assert.equal(linuxCores(few, 4), 4);
  // Never more than the system says this process can use, nor than MAX_CPU_THREADS.
  assert.equal(linuxCores(machine('0-7', []), 3), 3);
  assert.equal(linuxCores(machine('0-1023', []), 1024), MAX_CPU_THREADS);
  assert.equal(linuxCores(machine('0-65535', []), 65_536), null);
  // CPU quotas of cgroups, on 8 single-thread cores: [what, files, cores].
  const single = ['0', '1', '2', '3', '4', '5', '6', '7'];
  const quotas: [string, Record<string, string>, number][] = [
    [
      'a container with a quota of 2.5 CPUs (cgroup v2, namespaced root)',
      { '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': '250000 100000\n' },
      3,
    ],
    [
      "a systemd slice's quota above the process's own cgroup",
      {
        '/proc/self/cgroup': '0::/user.slice/app.scope\n',
        '/sys/fs/cgroup/user.slice/cpu.max': '200000 100000\n',
        '/sys/fs/cgroup/user.slice/app.scope/cpu.max': 'max 100000\n',
      },
      2,
    ],
    [
      "cgroup v1, the quota on the hierarchy's root (a container's own cgroup)",
      {
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '400000\n',
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
      },
      4,
    ],
    [
      'cgroup v1 on a nested service (systemd CPUQuota=200%) of a hybrid host',
      {
        '/proc/self/cgroup':
          '12:memory:/system.slice/x.service\n4:cpu,cpuacct:/system.slice/x.service\n0::/system.slice/x.service\n',
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
        '/sys/fs/cgroup/cpu,cpuacct/system.slice/x.service/cpu.cfs_quota_us': '200000\n',
        '/sys/fs/cgroup/cpu,cpuacct/system.slice/x.service/cpu.cfs_period_us': '100000\n',
        '/sys/fs/cgroup/unified/system.slice/x.service/cgroup.procs': '1\n',
      },
      2,
    ],
    [
      'a path that climbs out, not followed',
      { '/proc/self/cgroup': '0::/../etc\n', '/sys/fs/cgroup/../etc/cpu.max': '100000 100000\n' },
      8,
    ],
  ];
  for (const [what, files, cores] of quotas) {
    assert.equal(linuxCores(machine('0-7', single, files), 8), cores, what);
  }
  // No /proc at all: not known.
  assert.equal(
    linuxCores(() => null, 8),
    null,
  );
});

test('the choice: the variable, else the physical cores on Linux, else onnxruntime', () => {
  const vm = machine('0-1', ['0', '1']);
  const set = cpuThreadChoice({ PROPSWEEP_CPU_THREADS: '6' }, 'linux', vm, 8);
  assert.deepEqual(set, {
    threads: 6,
    reason: 'as set: propsweep.cpuThreads, or PROPSWEEP_CPU_THREADS for the command line',
  });
  const over = cpuThreadChoice({ PROPSWEEP_CPU_THREADS: '6' }, 'linux', vm, 2);
  assert.equal(over.threads, 6);
  assert.match(over.reason, /; more than the 2 CPUs this process may use$/);
  const automatic = cpuThreadChoice({ PROPSWEEP_CPU_THREADS: '0' }, 'linux', vm, 2);
  assert.deepEqual(automatic, { threads: 2, reason: 'one per physical core this process may use' });
  assert.deepEqual(cpuThreadChoice({}, 'darwin', vm, 2), {
    threads: null,
    reason: 'one per physical core, as onnxruntime counts them',
  });
  const bad = cpuThreadChoice({ PROPSWEEP_CPU_THREADS: 'lots' }, 'linux', vm, 2);
  assert.equal(bad.threads, 2);
  assert.match(bad.reason, /PROPSWEEP_CPU_THREADS="lots" is not a whole number from 0 to 256/);
});
