// The look every chart of the panels shares: the font of its axes and the tooltip's colours,
// border and fonts, from the editor's theme.
import type { ChartTheme } from '../model/theme';

/** The font of a chart's axes and tooltips: the editor's, a pixel smaller (at least 10 px). */
export function chartFont(t: ChartTheme): { family: string; size: number } {
  return { family: t.fontFamily, size: Math.max(10, t.fontSize - 1) };
}

/** A tooltip in the theme's colours, with a thin border and the chart font (titles bold). */
export function tooltipStyle(t: ChartTheme): {
  backgroundColor: string;
  titleColor: string;
  bodyColor: string;
  borderColor: string;
  borderWidth: number;
  cornerRadius: number;
  titleFont: { family: string; size: number; weight: 'bold' };
  bodyFont: { family: string; size: number };
} {
  const font = chartFont(t);
  return {
    backgroundColor: t.tooltipBackground,
    titleColor: t.tooltipForeground,
    bodyColor: t.tooltipForeground,
    borderColor: t.tooltipBorder,
    borderWidth: 1,
    cornerRadius: 3,
    titleFont: { ...font, weight: 'bold' },
    bodyFont: font,
  };
}
