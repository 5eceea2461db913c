// The chart theme of the page both panels draw on: read from VS Code's CSS variables and the
// body's theme class, and read again when VS Code switches theme.
import { chartTheme, themeKindOf, type ChartTheme } from '../model/theme';

/** The chart theme from the page's CSS variables and the body's theme class. */
export function readTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  return chartTheme((v) => style.getPropertyValue(v), themeKindOf([...document.body.classList]));
}

/** Calls `onChange` whenever the theme may have changed (the caller compares with readTheme). */
export function watchTheme(onChange: () => void): void {
  // VS Code switches the body's class and the html element's variables on a theme change.
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, {
    attributes: true,
    attributeFilter: ['style', 'class'],
  });
}
