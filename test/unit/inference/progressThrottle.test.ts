// Progress from the child is coalesced: new phases at once, at most one report per interval within
// a phase, and the newest report is never lost.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';

import { throttleProgress } from '../../../src/extension/inference/progressThrottle';
import type { RunProgress } from '../../../src/shared/childProtocol';

function setup(): {
  sent: string[];
  report: (message: string, phase?: string) => void;
  advance: (ms: number) => void;
  throttle: ReturnType<typeof throttleProgress>;
} {
  mock.timers.enable({ apis: ['setTimeout'] });
  let clock = 0;
  const sent: string[] = [];
  const throttle = throttleProgress(
    (p: RunProgress) => sent.push(p.message),
    100,
    () => clock,
  );
  return {
    sent,
    throttle,
    report: (message, phase = 'edit') => {
      throttle.report({ message, phase });
    },
    advance: (ms) => {
      clock += ms;
      mock.timers.tick(ms);
    },
  };
}

test('a thousand reports within a phase become one per interval, the last one included', () => {
  const { sent, report, advance } = setup();
  try {
    for (let k = 1; k <= 1000; k++) {
      report(`Edited ${k} of 1000`);
      advance(1);
    }
    advance(100);
    assert.ok(sent.length <= 12, `${sent.length} reports sent`);
    assert.equal(sent[0], 'Edited 1 of 1000');
    assert.equal(sent.at(-1), 'Edited 1000 of 1000');
  } finally {
    mock.timers.reset();
  }
});

test('a new phase goes out at once; flush sends what is held, cancel drops it', () => {
  const { sent, report, advance, throttle } = setup();
  try {
    report('Edited 1 of 3');
    report('Edited 2 of 3');
    report('Classifying', 'classify');
    assert.deepEqual(sent, ['Edited 1 of 3', 'Classifying']);
    report('Still classifying', 'classify');
    throttle.flush();
    assert.deepEqual(sent, ['Edited 1 of 3', 'Classifying', 'Still classifying']);
    report('Held back', 'classify');
    throttle.cancel();
    advance(500);
    assert.deepEqual(sent, ['Edited 1 of 3', 'Classifying', 'Still classifying']);
  } finally {
    mock.timers.reset();
  }
});
