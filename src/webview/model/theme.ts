// Chart colours from the VS Code theme (--vscode-charts-* and friends), with each theme kind's
// defaults when a variable is missing (an older VS Code, or a test page). The reader of CSS
// variables is passed in, so this stays pure and runs in Node tests.

/** The kinds of VS Code theme, from the webview body's class. */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Everything the chart and the PNG export draw with. */
export interface ChartTheme {
  readonly kind: ThemeKind;
  /** Output colours: blue, orange, green, purple, red, yellow (the HTML report's order). */
  readonly palette: readonly string[];
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly background: string;
  readonly flip: string;
  readonly selection: string;
  /** The colour of a significant result (VS Code's "test passed"). */
  readonly good: string;
  readonly tooltipBackground: string;
  readonly tooltipForeground: string;
  readonly tooltipBorder: string;
  /** Line width of the curves; wider in high contrast. */
  readonly lineWidth: number;
  readonly fontFamily: string;
  readonly fontSize: number;
}

/** The theme kind named by the body's classes (VS Code sets vscode-light, vscode-dark, ...). */
export function themeKindOf(classNames: readonly string[]): ThemeKind {
  if (classNames.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classNames.includes('vscode-high-contrast')) return 'high-contrast';
  if (classNames.includes('vscode-light')) return 'light';
  return 'dark';
}

const PALETTE_VARIABLES = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'].map(
  (c) => `--vscode-charts-${c}`,
);

// VS Code's own defaults for these colours (Dark Modern, Light Modern, the two high-contrast themes).
const DEFAULTS: Record<
  ThemeKind,
  {
    palette: string[];
    fg: string;
    muted: string;
    bg: string;
    warn: string;
    focus: string;
    good: string;
    hoverBg: string;
    hoverBorder: string;
  }
> = {
  dark: {
    palette: ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'],
    fg: '#cccccc',
    muted: '#9d9d9d',
    bg: '#1f1f1f',
    warn: '#cca700',
    focus: '#0078d4',
    good: '#73c991',
    hoverBg: '#202020',
    hoverBorder: '#454545',
  },
  light: {
    palette: ['#1a85ff', '#d18616', '#388a34', '#652d90', '#e51400', '#bf8803'],
    fg: '#3b3b3b',
    muted: '#717171',
    bg: '#ffffff',
    warn: '#bf8803',
    focus: '#005fb8',
    good: '#388a34',
    hoverBg: '#f8f8f8',
    hoverBorder: '#c8c8c8',
  },
  'high-contrast': {
    palette: ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#ffd700'],
    fg: '#ffffff',
    muted: '#ffffff',
    bg: '#000000',
    warn: '#ffd700',
    focus: '#f38518',
    good: '#73c991',
    hoverBg: '#0c141f',
    hoverBorder: '#6fc3df',
  },
  'high-contrast-light': {
    palette: ['#0f4a85', '#b5200d', '#374e06', '#5e2cbc', '#b5200d', '#895503'],
    fg: '#292929',
    muted: '#292929',
    bg: '#ffffff',
    warn: '#895503',
    focus: '#006bbd',
    good: '#374e06',
    hoverBg: '#ffffff',
    hoverBorder: '#292929',
  },
};

/** The chart theme from CSS variables read by `read` (empty string: not set) for a theme kind. */
export function chartTheme(read: (variable: string) => string, kind: ThemeKind): ChartTheme {
  const d = DEFAULTS[kind];
  const v = (name: string, fallback: string): string => {
    const value = read(name).trim();
    return value === '' ? fallback : value;
  };
  const foreground = v('--vscode-charts-foreground', v('--vscode-foreground', d.fg));
  const contrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const size = Number.parseFloat(read('--vscode-font-size'));
  return {
    kind,
    palette: PALETTE_VARIABLES.map((name, i) => v(name, d.palette[i] ?? d.fg)),
    foreground,
    muted: v('--vscode-descriptionForeground', d.muted),
    grid: v('--vscode-charts-lines', contrast ? d.muted : `${d.muted}55`),
    background: v('--vscode-editor-background', d.bg),
    flip: v('--vscode-editorWarning-foreground', d.warn),
    selection: v('--vscode-focusBorder', d.focus),
    good: v('--vscode-testing-iconPassed', d.good),
    tooltipBackground: v('--vscode-editorHoverWidget-background', d.hoverBg),
    tooltipForeground: v('--vscode-editorHoverWidget-foreground', foreground),
    tooltipBorder: v('--vscode-editorHoverWidget-border', d.hoverBorder),
    lineWidth: contrast ? 3 : 2,
    fontFamily: v('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.isFinite(size) && size > 0 ? size : 13,
  };
}
