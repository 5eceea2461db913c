// The watchdog that opens a live panel again when VS Code's webview host never shows its page.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';

import { ReadyWatchdog } from '../../../src/extension/panel/readyWatchdog';

function watch(visible: { value: boolean }): { stuck: number[]; watchdog: ReadyWatchdog } {
  const stuck: number[] = [];
  const watchdog = new ReadyWatchdog(
    10_000,
    () => visible.value,
    () => stuck.push(Date.now()),
  );
  return { stuck, watchdog };
}

test('a page that becomes ready in time is left alone', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { stuck, watchdog } = watch({ value: true });
    watchdog.arm();
    mock.timers.tick(9_000);
    watchdog.ready();
    mock.timers.tick(60_000);
    assert.equal(stuck.length, 0);
  } finally {
    mock.timers.reset();
  }
});

test('a visible page that never becomes ready counts as stuck once, after the timeout', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const { stuck, watchdog } = watch({ value: true });
    watchdog.arm();
    mock.timers.tick(9_999);
    assert.equal(stuck.length, 0);
    mock.timers.tick(1);
    assert.equal(stuck.length, 1);
    mock.timers.tick(60_000);
    assert.equal(stuck.length, 1, 'not again until armed for a new page');
    watchdog.arm();
    mock.timers.tick(10_000);
    assert.equal(stuck.length, 2);
  } finally {
    mock.timers.reset();
  }
});

test('a page in a background tab gets its time once shown; dispose stops the watch', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const visible = { value: false };
    const { stuck, watchdog } = watch(visible);
    watchdog.arm();
    mock.timers.tick(35_000);
    assert.equal(stuck.length, 0, 'hidden pages do not load, so they are not stuck');
    visible.value = true;
    mock.timers.tick(10_000);
    assert.equal(stuck.length, 1);
    watchdog.arm();
    watchdog.dispose();
    mock.timers.tick(60_000);
    assert.equal(stuck.length, 1);
  } finally {
    mock.timers.reset();
  }
});
