// What the PNG exports of both panels share (pngExport.ts for one image, folderPng.ts for a
// folder run): a page drawn twice, once to measure its height and once for real, a pen that
// writes on the second pass only, the chart images they embed, and the size an export may have.
import { MAX_PNG_DATA_URL } from '../../shared/protocol';
import type { ChartTheme } from '../model/theme';
import { wrapText } from '../model/textLayout';

/**
 * Device pixels per CSS pixel of an export and of the chart images drawn into it: sharp on
 * high-density screens and in documents.
 */
export const PNG_SCALE = 2;

/** The width of an exported page in CSS pixels. */
export const PNG_WIDTH = 1200;

/** The margin around an exported page, in CSS pixels. */
export const PNG_PAD = 24;

/**
 * The page `draw` lays out as a PNG data: URL at `scale` device pixels per CSS pixel: drawn once
 * on a scratch canvas (`paint` false) for its height, then for real.
 */
export function drawTwice(
  scale: number,
  draw: (ctx: CanvasRenderingContext2D, paint: boolean) => number,
): string {
  const scratch = document.createElement('canvas').getContext('2d');
  if (scratch === null) throw new Error('no 2D canvas context');
  const height = draw(scratch, false);
  const canvas = document.createElement('canvas');
  canvas.width = PNG_WIDTH * scale;
  canvas.height = Math.ceil(height * scale);
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('no 2D canvas context');
  ctx.scale(scale, scale);
  draw(ctx, true);
  return canvas.toDataURL('image/png');
}

/**
 * The page `render` draws at PNG_SCALE, or at one device pixel per CSS pixel when that is larger
 * than an export may be (very long paths, many models); throws when even that is.
 */
export async function exportablePng(render: (scale: number) => Promise<string>): Promise<string> {
  let dataUrl = await render(PNG_SCALE);
  if (dataUrl.length > MAX_PNG_DATA_URL) dataUrl = await render(1);
  if (dataUrl.length > MAX_PNG_DATA_URL)
    throw new Error(
      `the image (${Math.round(dataUrl.length / 1e6)} MB) is larger than the ${MAX_PNG_DATA_URL / 1e6} MB an export may be; export HTML instead`,
    );
  return dataUrl;
}

/** A chart's own image (a data: URL made by the webview), decoded. */
export function loadChartImage(uri: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      resolve(img);
    };
    img.onerror = () => {
      reject(new Error('a chart image could not be decoded'));
    };
    img.src = uri;
  });
}

/** Text on one pass over the page: measured always, drawn only when the pass paints. */
export interface Pen {
  readonly font: (size: number, weight?: string) => void;
  readonly text: (s: string, x: number, y: number, colour: string) => void;
  /** `s` broken into lines no wider than `width` in the current font. */
  readonly lines: (s: string, width: number) => string[];
  /** Writes `s` wrapped to `width` from `y`, a line every `lineHeight`; returns the y under it. */
  readonly paragraph: (
    s: string,
    x: number,
    y: number,
    width: number,
    lineHeight: number,
    colour: string,
  ) => number;
}

/** Starts a pass: the theme's background (when painting), text hanging from its y. */
export function startPage(ctx: CanvasRenderingContext2D, paint: boolean, theme: ChartTheme): Pen {
  ctx.textBaseline = 'top';
  if (paint) {
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, PNG_WIDTH, ctx.canvas.height);
  }
  const text = (s: string, x: number, y: number, colour: string): void => {
    if (!paint) return;
    ctx.fillStyle = colour;
    ctx.fillText(s, x, y);
  };
  const lines = (s: string, width: number): string[] =>
    wrapText(s, width, (u) => ctx.measureText(u).width);
  return {
    font: (size, weight = 'normal') => {
      ctx.font = `${weight} ${size}px ${theme.fontFamily}`;
    },
    text,
    lines,
    paragraph: (s, x, y, width, lineHeight, colour) => {
      let below = y;
      for (const line of lines(s, width)) {
        text(line, x, below, colour);
        below += lineHeight;
      }
      return below;
    },
  };
}

/** The page's title and the lines under it; returns the y under them. */
export function drawTitle(
  pen: Pen,
  theme: ChartTheme,
  title: string,
  meta: readonly string[],
): number {
  const inner = PNG_WIDTH - 2 * PNG_PAD;
  pen.font(20, '600');
  let y = pen.paragraph(title, PNG_PAD, PNG_PAD, inner, 26, theme.foreground);
  pen.font(12);
  for (const line of meta) y = pen.paragraph(line, PNG_PAD, y, inner, 16, theme.muted);
  return y;
}
