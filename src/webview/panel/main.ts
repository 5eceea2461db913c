// The panel's script. It asks for its snapshot with `panel/ready` and renders it with DOM calls
// only (never innerHTML): labels and warnings come from files and are untrusted.
import { isHostMessage, type PanelSnapshot, type WebviewMessage } from '../../shared/protocol';
import type { MeasureJson } from '../../shared/result';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
/** Outputs drawn on the curve: the ones that move most. */
const MAX_LINES = 6;

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostMessage(event.data)) render(event.data.snapshot);
});
vscode.postMessage({ type: 'panel/ready' });

function render(snapshot: PanelSnapshot): void {
  const app = document.getElementById('app');
  if (app === null) return;
  const { result } = snapshot;
  app.replaceChildren(
    el('h1', {}, snapshot.title),
    scoreCard(result),
    curve(snapshot.predictions, result),
    ...result.warnings.map((w) => el('p', { class: 'warning', role: 'status' }, w)),
  );
}

function scoreCard(r: MeasureJson): HTMLElement {
  const name = (c: number): string => r.labels?.[c] ?? `output ${c}`;
  const test = r.exact
    ? `all ${r.n_permutations} orders`
    : `${r.n_permutations} permutations, seed ${r.seed}`;
  const rows: [string, string][] = [
    [
      'EPGM',
      `${fmt(r.epgm)} ${r.statistic === 'output' ? `(${name(r.output ?? 0)})` : '(whole prediction vector)'}`,
    ],
    ['p-value', `${fmt(r.p_value)} (shuffle test, ${test})`],
    ['Total variation', fmt(r.total_variation)],
    [
      'Flips',
      r.flips === null
        ? 'not counted'
        : `${r.flips}${(r.flip_strengths ?? []).map((s) => ` at ${fmt(s)}`).join(',')}`,
    ],
    [
      'Source class',
      r.source_class === null
        ? '—'
        : `${name(r.source_class)}${r.source_class_lost === true ? ' (lost)' : ' (kept)'}`,
    ],
  ];
  const badge = el(
    'span',
    { class: r.significant ? 'badge significant' : 'badge' },
    r.significant ? `significant at α = ${r.alpha}` : `not significant at α = ${r.alpha}`,
  );
  const table = el('table', { class: 'scores' });
  for (const [key, value] of rows)
    table.append(el('tr', {}, el('th', {}, key), el('td', {}, value)));
  return el('section', { class: 'card' }, badge, table);
}

function curve(predictions: readonly (readonly number[])[], r: MeasureJson): SVGSVGElement {
  const width = 480;
  const height = 220;
  const pad = 32;
  const xs = r.strengths;
  const x0 = xs[0] ?? 0;
  const x1 = xs.at(-1) ?? 1;
  const values = predictions.flat();
  const lo = Math.min(0, ...values);
  const hi = Math.max(1, ...values);
  const sx = (x: number): number => pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
  const sy = (y: number): number => height - pad - ((y - lo) / (hi - lo || 1)) * (height - 2 * pad);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'curve');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Prediction versus strength');
  svg.append(
    line(pad, height - pad, width - pad, height - pad, 'axis'),
    line(pad, pad, pad, height - pad, 'axis'),
  );
  const order = r.epgm_per_output
    .map((v, c) => ({ v, c }))
    .sort((a, b) => b.v - a.v)
    .slice(0, MAX_LINES);
  order.forEach(({ c }, i) => {
    const path = document.createElementNS(SVG, 'polyline');
    path.setAttribute(
      'points',
      predictions.map((row, k) => `${sx(xs[k] ?? k)},${sy(row[c] ?? 0)}`).join(' '),
    );
    path.setAttribute('class', `series s${i}`);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = r.labels?.[c] ?? `output ${c}`;
    path.append(title);
    svg.append(path);
  });
  for (const s of r.flip_strengths ?? []) svg.append(line(sx(s), pad, sx(s), height - pad, 'flip'));
  return svg;
}

function line(x1: number, y1: number, x2: number, y2: number, cls: string): SVGLineElement {
  const l = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1, y1, x2, y2 })) l.setAttribute(k, String(v));
  l.setAttribute('class', cls);
  return l;
}

function el(
  tag: string,
  attrs: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5
    ? Number(x.toPrecision(4)).toString()
    : x.toExponential(3);
}
