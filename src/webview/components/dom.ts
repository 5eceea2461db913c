// DOM helpers: elements are built with createElement and text with textContent only. Every
// string shown comes from a file or a host, so nothing is ever parsed as HTML.

/** Children accepted by el(): nodes, text, or nothing (null/false/undefined are skipped). */
export type Child = Node | string | null | false | undefined;

/** An HTML element with attributes (set with setAttribute) and children (text as text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) {
    if (child === null || child === false || child === undefined) continue;
    node.append(child);
  }
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with presentation attributes (not style attributes, which the CSP blocks). */
export function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Readonly<Record<string, string>> = {},
  ...children: Node[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A short line sample for legends: colour and dash pattern as SVG attributes. */
export function lineSwatch(colour: string, dash: readonly number[], width: number): SVGSVGElement {
  return svgEl(
    'svg',
    { class: 'swatch', width: '26', height: '10', viewBox: '0 0 26 10', 'aria-hidden': 'true' },
    svgEl('line', {
      x1: '1',
      y1: '5',
      x2: '25',
      y2: '5',
      stroke: colour,
      'stroke-width': String(width),
      'stroke-linecap': 'butt',
      ...(dash.length > 0 ? { 'stroke-dasharray': dash.join(' ') } : {}),
    }),
  );
}

/** A vscode-button with a text label and a click handler (none while it is disabled). */
export function button(
  label: string,
  onClick: () => void,
  options: {
    readonly secondary?: boolean;
    readonly title?: string;
    readonly disabled?: boolean;
  } = {},
): HTMLElement {
  const b = el('vscode-button', options.title === undefined ? {} : { title: options.title }, label);
  if (options.secondary === true) b.setAttribute('secondary', '');
  if (options.disabled === true) {
    // The component styles and skips a disabled button; aria-disabled tells assistive technology.
    b.setAttribute('disabled', '');
    b.setAttribute('aria-disabled', 'true');
  } else {
    b.addEventListener('click', onClick);
  }
  return b;
}

/** A vscode-badge with text; `tone` picks a CSS class for the colour. */
export function badge(
  text: string,
  tone: 'neutral' | 'good' | 'warn' | 'error',
  title?: string,
): HTMLElement {
  return el(
    'vscode-badge',
    { class: `badge-${tone}`, ...(title === undefined ? {} : { title }) },
    text,
  );
}
