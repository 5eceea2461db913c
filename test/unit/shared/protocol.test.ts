import assert from 'node:assert/strict';
import { test } from 'node:test';

import { toMeasureJson } from '../../../src/extension/pipeline/measureJson';
import { measure } from '../../../src/extension/measures';
import {
  boundedTexts,
  CHILD_TEXT_LIMITS,
  childMessageProblem,
  type ChildToHost,
  modelSpecProblem,
  isChildToHost,
  hostMessageProblem,
  isHostToChild,
} from '../../../src/shared/childProtocol';
import { PREVIEW_LIMITS } from '../../../src/shared/previewFrames';
import {
  EMPTY_SNAPSHOT,
  isHostMessage,
  isWebviewMessage,
  PANEL_PROTOCOL_VERSION,
  reasonOf,
} from '../../../src/shared/protocol';
import { isMeasureJson } from '../../../src/shared/result';
import { sampleResult } from '../builders';
import { diffusionResult } from '../diffusionBuilders';
import { explainRunRequest } from './folderBuilders';

const result = toMeasureJson(
  measure({ predictions: [0.1, 0.3, 0.8, 0.9] }, { permutations: 10 }),
  undefined,
);

test('a real measurement passes the result validator; damaged ones do not', () => {
  assert.ok(isMeasureJson(result));
  assert.ok(!isMeasureJson({ ...result, epgm: '0.3' }));
  assert.ok(!isMeasureJson({ ...result, warnings: [3] }));
  assert.ok(!isMeasureJson(null));
});

test('panel messages are validated in both directions', () => {
  assert.ok(isWebviewMessage({ type: 'panel/ready' }));
  assert.ok(isWebviewMessage({ type: 'panel/exportPng', dataUrl: 'data:image/png;base64,AAAA' }));
  assert.ok(!isWebviewMessage({ type: 'panel/exportPng', dataUrl: 'javascript:alert(1)' }));
  assert.ok(isWebviewMessage({ type: 'panel/exportPngFailed', error: 'no result' }));
  assert.ok(isWebviewMessage({ type: 'panel/setAdjustment', adjustment: 'bh' }));
  assert.ok(!isWebviewMessage({ type: 'panel/setAdjustment', adjustment: 'bonferroni' }));
  assert.ok(!isWebviewMessage({ type: 'panel/steal' }));
  const sample = sampleResult();
  const snapshot = {
    title: 't',
    state: 'done',
    progress: null,
    error: null,
    result: sample,
    frameUris: sample.frames.map((_, k) => `https://file+.vscode-resource/${k}.png`),
    preview: null,
    sourceUri: null,
    reconstructionUri: null,
    readOnly: true,
    stale: [
      { model: 'm', reason: 'changed', kind: 'stale' },
      { model: 'n', reason: 'cannot check /dev/zero: not a regular file', kind: 'unchecked' },
    ],
    savedPath: 'explanations/x.propsweep.json',
    canRun: false,
    runBlockedReason: 'restricted',
    alpha: 0.01,
    effectThreshold: 0.05,
    adjustment: 'holm',
    restore: { resultPath: '/x.propsweep.json' },
    watch: { folder: 'runs', message: 'waiting', running: false },
  };
  const message = { type: 'panel/snapshot', version: PANEL_PROTOCOL_VERSION, snapshot };
  assert.ok(isHostMessage(message));
  assert.ok(isHostMessage({ ...message, snapshot: { ...snapshot, watch: null } }));
  assert.ok(
    isWebviewMessage({ type: 'panel/watch' }) && isWebviewMessage({ type: 'panel/stopWatch' }),
  );
  assert.ok(!isHostMessage({ ...message, version: PANEL_PROTOCOL_VERSION + 1 }));
  for (const broken of [
    { state: 'exploded' },
    { frameUris: snapshot.frameUris.slice(1) },
    { stale: [{ model: 'm' }] },
    { stale: [{ model: 'm', reason: 'changed', kind: 'gone' }] },
    { result: { ...sample, frames: [] } },
    { adjustment: 'bonferroni' },
    { error: 3 },
    { reconstructionUri: 5 },
    { reconstructionUri: undefined },
    { watch: undefined },
    { watch: { folder: 'runs', message: 'x'.repeat(5000), running: false } },
    { watch: { folder: 'runs', message: 'waiting' } },
  ]) {
    assert.ok(
      !isHostMessage({ ...message, snapshot: { ...snapshot, ...broken } }),
      JSON.stringify(broken).slice(0, 60),
    );
  }
});

test('child messages are validated', () => {
  assert.ok(isChildToHost({ type: 'child/ready', version: 1, pid: 4 }));
  assert.ok(
    isChildToHost({ type: 'run/result', id: 1, ok: true, value: { kind: 'measure', result } }),
  );
  assert.ok(
    !isChildToHost({ type: 'run/result', id: 1, ok: true, value: { kind: 'measure', result: {} } }),
  );
  assert.ok(
    !isChildToHost({ type: 'run/result', id: 1, ok: true, value: { kind: 'explain', result } }),
  );
  assert.ok(
    isChildToHost({ type: 'run/result', id: 1, ok: false, error: { kind: 'input', message: 'm' } }),
  );
  assert.ok(!isChildToHost({ type: 'run/result', id: 1, ok: false }));
  assert.ok(
    isChildToHost({
      type: 'run/progress',
      id: 1,
      message: 'Editing',
      phase: 'edit',
      done: 1,
      total: 9,
    }),
  );
  assert.ok(isHostToChild({ type: 'run/cancel', id: 2 }));
  assert.ok(!isHostToChild({ type: 'run/cancel' }));
  assert.ok(!isHostToChild({ type: 'measure/run', id: 2 }));
  const explain = explainRunRequest();
  assert.ok(isHostToChild(explain));
  assert.ok(!isHostToChild({ ...explain, models: 'm.onnx' }));
  assert.ok(!isHostToChild({ ...explain, steps: '9' }));
  assert.ok(isHostToChild({ ...explain, preview: true }));
  assert.ok(!isHostToChild({ ...explain, preview: 'yes' }));
});

test('explain/run may carry a track record: one checkpoint per model', () => {
  const explain = explainRunRequest();
  const checkpoint = {
    file: '/ck/ep1.onnx',
    epoch: 1,
    step: null,
    mtime: '2024-01-01T00:00:00.000Z',
  };
  const track = { order: 'epoch', checkpoints: [checkpoint] };
  assert.ok(isHostToChild({ ...explain, track }));
  assert.match(
    hostMessageProblem({
      ...explain,
      track: { ...track, checkpoints: [checkpoint, checkpoint] },
    }) ?? '',
    /one entry per model \(1\), got 2/,
  );
  assert.ok(!isHostToChild({ ...explain, track: { ...track, order: 'loss' } }));
  assert.ok(
    !isHostToChild({
      ...explain,
      track: { ...track, checkpoints: [{ ...checkpoint, epoch: '1' }] },
    }),
  );
});

/** A preview frame of w x h with the bytes its size needs. */
const frame = (w: number, h: number): { width: number; height: number; pixels: Uint8Array } => ({
  width: w,
  height: h,
  pixels: new Uint8Array(w * h * 3),
});

test('run/preview from the child: a valid result and one downscaled frame per step', () => {
  const sample = sampleResult();
  const frames = sample.frames.map(() => frame(4, 3));
  const preview = { type: 'run/preview', id: 7, result: sample, frames };
  assert.equal(childMessageProblem(preview), null);
  const problem = (change: Record<string, unknown>): string | null =>
    childMessageProblem({ ...preview, ...change });
  assert.match(problem({ id: 'x' }) ?? '', /needs a numeric id/);
  assert.match(problem({ result: { ...sample, frames: 'x' } }) ?? '', /not a valid result/);
  assert.match(problem({ frames: frames.slice(1) }) ?? '', /frames for \d+ steps/);
  assert.match(problem({ frames: null }) ?? '', /not a list/);
  assert.match(
    problem({ frames: [...frames.slice(1), { ...frame(4, 3), pixels: [0] }] }) ?? '',
    /needs 36 bytes/,
  );
  assert.match(
    problem({ frames: [{ ...frame(4, 3), pixels: new Uint8Array(35) }, ...frames.slice(1)] }) ?? '',
    /preview frame 0 needs 36 bytes/,
  );
  assert.match(
    problem({ frames: [...frames.slice(1), frame(PREVIEW_LIMITS.maxSide + 1, 1)] }) ?? '',
    /pixels a side/,
  );
  assert.match(problem({ frames: [...frames.slice(1), frame(0, 3)] }) ?? '', /pixels a side/);
});

test('panel/previewFrames to the webview, and a snapshot that shows a preview', () => {
  const sample = sampleResult();
  const frames = sample.frames.map(() => frame(4, 3));
  const message = { type: 'panel/previewFrames', version: PANEL_PROTOCOL_VERSION, id: 2, frames };
  assert.ok(isHostMessage(message));
  assert.ok(!isHostMessage({ ...message, version: PANEL_PROTOCOL_VERSION - 1 }));
  assert.ok(!isHostMessage({ ...message, id: 1.5 }));
  assert.ok(!isHostMessage({ ...message, frames: [{ ...frame(4, 3), pixels: 'AAAA' }] }));
  // Past the byte limit: as many frames of the largest size as the limit holds, and one more.
  const side = PREVIEW_LIMITS.maxSide;
  const most = Math.floor(PREVIEW_LIMITS.maxBytes / (side * side * 3));
  const big = frame(side, side);
  assert.ok(isHostMessage({ ...message, frames: Array.from({ length: most }, () => big) }));
  assert.ok(!isHostMessage({ ...message, frames: Array.from({ length: most + 1 }, () => big) }));
  const snapshot = {
    ...EMPTY_SNAPSHOT,
    title: 't',
    state: 'running',
    progress: { message: 'Writing frames…' },
    result: sample,
    preview: { id: 2 },
  };
  const shown = { type: 'panel/snapshot', version: PANEL_PROTOCOL_VERSION, snapshot };
  assert.ok(isHostMessage(shown), 'a preview has its frames in their own message');
  for (const broken of [
    { preview: { id: 'x' } },
    { preview: 2 },
    { preview: undefined },
    { frameUris: sample.frames.map(() => 'https://x/0.png') },
    { preview: null },
  ]) {
    assert.ok(
      !isHostMessage({ ...shown, snapshot: { ...snapshot, ...broken } }),
      JSON.stringify(broken),
    );
  }
});

test('a snapshot of a diffusion result with its source beside the reconstruction is shown; a malformed one is refused', () => {
  const result = diffusionResult();
  const snapshot = {
    ...EMPTY_SNAPSHOT,
    state: 'done',
    result,
    frameUris: result.frames.map((_, k) => `uri${k}`),
    reconstructionUri: 'uri-source',
  };
  const message = { type: 'panel/snapshot', version: PANEL_PROTOCOL_VERSION, snapshot };
  assert.ok(isHostMessage(message));
  const model = result.models[0];
  assert.ok(model !== undefined);
  const bad = { ...result, models: [{ ...model, sourcePrediction: [1, 2, 3] }] };
  assert.ok(!isHostMessage({ ...message, snapshot: { ...snapshot, result: bad } }));
});

test('a failed run/result may name its help topic, and only a known one', () => {
  const failed = (error: Record<string, unknown>) =>
    childMessageProblem({ type: 'run/result', id: 1, ok: false, error });
  assert.equal(failed({ kind: 'input', message: 'm' }), null);
  assert.equal(failed({ kind: 'input', message: 'm', help: 'editor-model' }), null);
  assert.match(failed({ kind: 'input', message: 'm', help: 'readme' }) ?? '', /help.*editor-model/);
  assert.match(failed({ kind: 'input', message: 'm', help: 1 }) ?? '', /help/);
});

test('model specs of every kind are checked as they cross to the child', () => {
  assert.equal(modelSpecProblem({ path: 'a.onnx' }), null);
  assert.equal(modelSpecProblem({ kind: 'onnx', path: 'a.onnx', name: 'a' }), null);
  assert.equal(
    modelSpecProblem({
      kind: 'command',
      command: ['python', 'p.py'],
      checkpoint: 'x.pt',
      helloSeconds: 5,
    }),
    null,
  );
  assert.equal(
    modelSpecProblem({ kind: 'clip', path: 'clip', prompts: 'p.txt', output: 'similarity' }),
    null,
  );
  for (const [spec, message] of [
    [null, /not an object/],
    [{ kind: 'onnx' }, /an ONNX model needs a path/],
    [{ path: 'a', name: 3 }, /name must be text/],
    [{ kind: 'command', command: [] }, /non-empty command list/],
    [{ kind: 'command', command: ['x', 1] }, /non-empty command list/],
    [{ kind: 'command', command: ['x'], batchSeconds: '5' }, /non-empty command list/],
    [{ kind: 'clip', path: 'c' }, /needs a path and a prompts file/],
    [{ kind: 'clip', path: 'c', prompts: 'p', output: 'logits' }, /output softmax or similarity/],
    [{ kind: 'torch', path: 'x' }, /unknown model kind "torch"; one of onnx, command, clip/],
  ] as const) {
    assert.match(modelSpecProblem(spec) ?? '', message);
  }
});

test('run/progress: a phase and counts a bar can be drawn from (finite, 0 <= done <= total)', () => {
  const progress = (change: Record<string, unknown>): string | null =>
    childMessageProblem({ type: 'run/progress', id: 1, message: 'Editing', ...change });
  assert.equal(progress({}), null);
  assert.equal(progress({ phase: 'edit', done: 0, total: 0 }), null);
  assert.equal(progress({ phase: 'edit', done: 21, total: 21 }), null);
  // Each of these made the command line's bar throw (a negative or endless '#'.repeat).
  for (const change of [
    { done: -1, total: 1 },
    { done: Number.POSITIVE_INFINITY, total: 1 },
    { done: 1e12, total: 1 },
    { done: 1, total: Number.NaN },
    { done: '3', total: 9 },
    { done: 1n, total: 9 },
  ]) {
    assert.match(progress(change) ?? '', /done and total/, String(change.done));
  }
  assert.match(progress({ phase: 7 }) ?? '', /phase/);
});

test('the texts the child sends are bounded: it cuts them, and the host refuses longer ones', () => {
  const long = `${'a'.repeat(50_000)}TAIL`;
  const sent: ChildToHost[] = [
    { type: 'run/progress', id: 1, message: long, phase: long, done: 0, total: 1 },
    { type: 'run/result', id: 2, ok: false, error: { kind: 'input', message: long } },
  ];
  for (const message of sent) {
    assert.match(childMessageProblem(message) ?? '', /at most/, message.type);
    const bounded = boundedTexts(message);
    assert.equal(childMessageProblem(bounded), null, message.type);
    const text = JSON.stringify(bounded);
    assert.match(text, /aaaa ... \(\d+ more characters\)/);
    assert.ok(!text.includes('TAIL'));
  }
  const [progress] = sent.map(boundedTexts);
  assert.ok(progress?.type === 'run/progress');
  assert.ok(progress.message.length <= CHILD_TEXT_LIMITS.progress);
  assert.ok((progress.phase?.length ?? 0) <= CHILD_TEXT_LIMITS.phase);
  // The tail says how many characters were cut.
  const cut = (text: string, max: number): { kept: string; said: number } => {
    const bounded = boundedTexts({ type: 'run/progress', id: 4, message: text });
    assert.ok(bounded.type === 'run/progress' && bounded.message.length <= max);
    const match = / \.\.\. \((\d+) more characters?\)$/.exec(bounded.message);
    assert.ok(match !== null, bounded.message);
    return { kept: bounded.message.slice(0, match.index), said: Number(match[1]) };
  };
  const limit = CHILD_TEXT_LIMITS.progress;
  for (const length of [limit + 1, limit + 9, 2 * limit, 50_000]) {
    const text = 'x'.repeat(length);
    const { kept, said } = cut(text, limit);
    assert.equal(kept.length + said, length, String(length));
  }
  // Never half of a surrogate pair: an emoji just at the cut is kept whole or cut whole.
  for (let at = limit - 60; at < limit - 10; at++) {
    const text = `${'x'.repeat(at)}\u{1F600}${'y'.repeat(limit)}`;
    const { kept, said } = cut(text, limit);
    const last = kept.charCodeAt(kept.length - 1);
    assert.ok(last < 0xd800 || last > 0xdbff, `emoji at ${at}: half of it kept`);
    assert.equal(kept.length + said, text.length);
  }
  // Short texts, and the other messages, go as they are.
  const short: ChildToHost = { type: 'run/progress', id: 3, message: 'Editing', phase: 'edit' };
  assert.deepEqual(boundedTexts(short), short);
  const ready: ChildToHost = { type: 'child/ready', version: 1, pid: 1 };
  assert.equal(boundedTexts(ready), ready);
});

test('a failed run/result names one of the kinds of error', () => {
  const failed = (kind: unknown): string | null =>
    childMessageProblem({ type: 'run/result', id: 1, ok: false, error: { kind, message: 'm' } });
  for (const kind of ['input', 'cancelled', 'internal']) assert.equal(failed(kind), null, kind);
  for (const kind of ['crashed', 'fatal', '', 3]) {
    assert.match(failed(kind) ?? '', /input, cancelled or internal/, String(kind));
  }
});

test('explain/run: the result goes into outDir, on a known provider, with at least one model', () => {
  const explain = explainRunRequest();
  const problem = (change: Record<string, unknown>): string | null =>
    hostMessageProblem({ ...explain, ...change });
  for (const change of [
    { mask: 'a.mask.png' },
    { deviceId: 0 },
    { deviceId: 3, provider: 'cuda' },
    { legacy: true },
    { name: 'a.b-c_d' },
  ]) {
    assert.equal(problem(change), null, JSON.stringify(change));
  }
  // NAME.propsweep.json, NAME.frames/ and the report were written beside outDir, not in it.
  for (const name of ['../escaped', 'sub/a', 'sub\\a', '..', '.hidden', '', 'my cat', 'nul']) {
    assert.match(problem({ name }) ?? '', /explain\/run cannot name its result/, name);
  }
  for (const change of [
    { provider: 'gpu' },
    { provider: undefined },
    { deviceId: -1 },
    { deviceId: 1.5 },
    { deviceId: '0' },
    { mask: 5 },
    { legacy: 'yes' },
    // No model: the whole run was made before its result was refused as having none.
    { models: [] },
  ]) {
    assert.match(problem(change) ?? '', /explain\/run needs/, JSON.stringify(change));
  }
});

test('a classifier command holds no more words than a result can record', () => {
  const command = (words: string[]): string | null =>
    modelSpecProblem({ kind: 'command', command: words });
  assert.equal(command(Array.from({ length: 256 }, () => 'w')), null);
  assert.equal(command(['python', 'x'.repeat(4000)]), null);
  // Beyond these the run was made, then refused as "not a valid result" after all its work.
  assert.match(command(Array.from({ length: 257 }, () => 'w')) ?? '', /1 to 256 words/);
  assert.match(command(['python', 'x'.repeat(4001)]) ?? '', /4000 characters/);
});

test('measure/run: labels, if given, are names; strengths, if given, a list', () => {
  const measureRun = { type: 'measure/run', id: 2, predictions: [0.1, 0.5, 0.9], options: {} };
  assert.equal(hostMessageProblem(measureRun), null);
  assert.equal(hostMessageProblem({ ...measureRun, labels: ['a'], strengths: [0, 1, 2] }), null);
  // Each of these came back in the measurement as it was sent.
  for (const change of [{ labels: 'ab' }, { labels: [1, 2] }, { labels: [null, 'b'] }]) {
    assert.match(
      hostMessageProblem({ ...measureRun, ...change }) ?? '',
      /labels/,
      JSON.stringify(change),
    );
  }
  assert.match(hostMessageProblem({ ...measureRun, strengths: 3 }) ?? '', /strengths/);
});

test('values that structured clone carries and JSON cannot write are refused, not thrown', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const explain = { ...explainRunRequest(), models: [{ kind: 1n }] };
  // Each threw out of the receiver's message handler: the child died instead of answering.
  for (const message of [explain, { type: 1n, id: 4 }, { type: cycle, id: 4 }]) {
    let problem: string | null = null;
    assert.doesNotThrow(() => (problem = hostMessageProblem(message)));
    assert.notEqual(problem, null);
  }
  for (const message of [
    { type: 1n, id: 4 },
    { type: cycle },
    { type: 'run/result', id: 4, ok: true, value: { kind: cycle } },
  ]) {
    let problem: string | null = null;
    assert.doesNotThrow(() => (problem = childMessageProblem(message)));
    assert.notEqual(problem, null);
  }
});

test("a PNG export's error reaches the host: cut to a reason it accepts", () => {
  const long = new Error(`cannot draw data:image/png;base64,${'A'.repeat(50_000)}`);
  const reason = reasonOf(long);
  assert.ok(isWebviewMessage({ type: 'panel/exportPngFailed', error: reason }));
  assert.ok(!isWebviewMessage({ type: 'panel/exportPngFailed', error: long.message }));
  assert.match(reason, /^cannot draw data:image\/png;base64,A+\.\.\.$/);
  assert.equal(reasonOf(new Error('canvas too large')), 'canvas too large');
  assert.equal(reasonOf('out of memory'), 'out of memory');
});
