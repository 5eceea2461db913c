// Consent before a classifier command runs: never in a restricted workspace, asked once per
// command line and folder in a workspace, remembered on Run, asked again when the command changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  commandQuestion,
  confirmCommands,
  CONSENT_STATE_KEY,
  MAX_CONSENTS,
  type CommandQuestion,
  type ConsentMemory,
} from '../../../src/extension/commands/commandConsent';
import type { CommandModelSpec, ModelSpec } from '../../../src/shared/childProtocol';

/** A workspace state in memory. */
function memory(initial: Record<string, unknown> = {}): ConsentMemory & {
  values: Record<string, unknown>;
} {
  const values = { ...initial };
  return {
    values,
    get: (key) => values[key],
    update: (key, value) => {
      values[key] = value;
      return Promise.resolve();
    },
  };
}

/** A user who answers each question with the next answer, and the questions asked. */
function user(...answers: boolean[]) {
  const asked: CommandQuestion[] = [];
  return {
    asked,
    ask: (question: CommandQuestion) => {
      asked.push(question);
      return Promise.resolve(answers.shift() ?? false);
    },
  };
}

const predict = (checkpoint: string, cwd = '/ws'): CommandModelSpec => ({
  kind: 'command',
  command: ['python', 'predict.py', '--checkpoint', '{checkpoint}'],
  checkpoint,
  cwd,
});

test('a run without commands is allowed without a question, trusted or not', async () => {
  const onnx: ModelSpec[] = [{ path: '/m/a.onnx' }, { kind: 'clip', path: '/c', prompts: '/p' }];
  const u = user();
  assert.equal(await confirmCommands(onnx, false, memory(), u.ask), 'allowed');
  assert.equal(u.asked.length, 0);
});

test('a command never runs in a restricted workspace, and nothing is asked there', async () => {
  const u = user(true);
  const m = memory({ [CONSENT_STATE_KEY]: [JSON.stringify([predict('/a').command, '/ws'])] });
  assert.equal(await confirmCommands([predict('/a.pt')], false, m, u.ask), 'restricted');
  assert.equal(u.asked.length, 0);
});

test('the first run asks, showing the command line and its folder; Run is remembered', async () => {
  const m = memory();
  const first = user(true);
  assert.equal(await confirmCommands([predict('/ck/ep1.pt')], true, m, first.ask), 'allowed');
  assert.equal(first.asked.length, 1);
  assert.equal(first.asked[0]?.message, 'Run this classifier command?');
  assert.match(
    first.asked[0].detail,
    /^python predict\.py --checkpoint \{checkpoint\}\n\nin \/ws\n/,
  );
  assert.match(
    first.asked[0].detail,
    /\{checkpoint\} is replaced by the checkpoint file \(now \/ck\/ep1\.pt\)/,
  );
  // A new checkpoint of the same command (a watch) does not ask again.
  const second = user();
  assert.equal(await confirmCommands([predict('/ck/ep2.pt')], true, m, second.ask), 'allowed');
  assert.equal(second.asked.length, 0);
});

test('Cancel runs nothing and is not remembered; a changed command or folder asks again', async () => {
  const m = memory();
  const declined = user(false);
  assert.equal(await confirmCommands([predict('/a.pt')], true, m, declined.ask), 'declined');
  assert.equal(m.values[CONSENT_STATE_KEY], undefined);
  const allowed = user(true);
  assert.equal(await confirmCommands([predict('/a.pt')], true, m, allowed.ask), 'allowed');
  assert.equal(allowed.asked.length, 1);
  const changed = user(true, true);
  const otherArgs: CommandModelSpec = {
    ...predict('/a.pt'),
    command: ['python', 'predict.py', '--fast', '{checkpoint}'],
  };
  assert.equal(
    await confirmCommands([otherArgs, predict('/a.pt', '/elsewhere')], true, m, changed.ask),
    'allowed',
  );
  assert.equal(changed.asked.length, 2, 'other arguments and another folder are other commands');
  assert.match(changed.asked[1]?.detail ?? '', /\n\nin \/elsewhere\n/);
});

test('one question per distinct command in a run; the first Cancel stops', async () => {
  const twice = user(true);
  assert.equal(
    await confirmCommands([predict('/a.pt'), predict('/b.pt')], true, memory(), twice.ask),
    'allowed',
  );
  assert.equal(twice.asked.length, 1);
  const m = memory();
  const stop = user(false, true);
  const other: CommandModelSpec = { kind: 'command', command: ['./other'], cwd: '/ws' };
  assert.equal(await confirmCommands([predict('/a.pt'), other], true, m, stop.ask), 'declined');
  assert.equal(stop.asked.length, 1);
});

test('a corrupt memory is ignored and the remembered lines stay bounded', async () => {
  const m = memory({ [CONSENT_STATE_KEY]: 'not a list' });
  assert.equal(await confirmCommands([predict('/a.pt')], true, m, user(true).ask), 'allowed');
  const many = Array.from({ length: MAX_CONSENTS }, (_, i) => `old ${i}`);
  const full = memory({ [CONSENT_STATE_KEY]: many });
  await confirmCommands([predict('/a.pt')], true, full, user(true).ask);
  const kept = full.values[CONSENT_STATE_KEY] as string[];
  assert.equal(kept.length, MAX_CONSENTS);
  assert.equal(kept[0], 'old 1', 'the oldest is forgotten first');
});

test('without a cwd, the question names the folder the child runs the command in', () => {
  const q = commandQuestion({ kind: 'command', command: ['p', 'a b'], checkpoint: '/ck/ep1.pt' });
  assert.match(
    q.detail,
    /^p 'a b'\n\nin \/ck \(the checkpoint's folder\)\n\nPropSweep runs it without a shell/,
  );
});
