import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chartTheme, themeKindOf } from '../../../src/webview/model/theme';

void test('the theme kind comes from the body classes VS Code sets', () => {
  assert.equal(themeKindOf(['vscode-light']), 'light');
  assert.equal(themeKindOf(['vscode-dark']), 'dark');
  assert.equal(themeKindOf(['vscode-high-contrast']), 'high-contrast');
  assert.equal(
    themeKindOf(['vscode-high-contrast', 'vscode-high-contrast-light']),
    'high-contrast-light',
  );
  assert.equal(themeKindOf([]), 'dark');
});

void test('chart colours are read from --vscode-charts-* in the report order', () => {
  const vars: Record<string, string> = {
    '--vscode-charts-blue': ' #111111',
    '--vscode-charts-orange': '#222222',
    '--vscode-charts-green': '#333333',
    '--vscode-charts-purple': '#444444',
    '--vscode-charts-red': '#555555',
    '--vscode-charts-yellow': '#666666',
    '--vscode-charts-foreground': '#777777',
    '--vscode-font-size': '14px',
  };
  const theme = chartTheme((v) => vars[v] ?? '', 'dark');
  assert.deepEqual(theme.palette, [
    '#111111',
    '#222222',
    '#333333',
    '#444444',
    '#555555',
    '#666666',
  ]);
  assert.equal(theme.foreground, '#777777');
  assert.equal(theme.fontSize, 14);
  assert.equal(theme.lineWidth, 2);
});

void test('missing variables fall back to the theme kind defaults; high contrast draws wider', () => {
  const light = chartTheme(() => '', 'light');
  assert.equal(light.palette[0], '#1a85ff');
  assert.equal(light.background, '#ffffff');
  assert.equal(light.fontSize, 13);
  const hc = chartTheme(() => '', 'high-contrast');
  assert.equal(hc.foreground, '#ffffff');
  assert.equal(hc.lineWidth, 3);
});
