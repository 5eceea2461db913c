// Images whose pixels the panel reads (difference view, PNG export). They are loaded with CORS
// ("anonymous"): VS Code's webview resource loader answers with Access-Control-Allow-Origin: *,
// so the canvas they are drawn on stays readable. Where a page does not allow it, loading fails
// and the caller says so instead of drawing a tainted canvas.

const MAX_CACHED = 64;
const cache = new Map<string, Promise<HTMLImageElement>>();

/** The image at uri, decoded and readable by a canvas; rejects when it cannot be read back. */
export function loadReadableImage(uri: string): Promise<HTMLImageElement> {
  const hit = cache.get(uri);
  if (hit !== undefined) {
    // Most recently used last.
    cache.delete(uri);
    cache.set(uri, hit);
    return hit;
  }
  const promise = new Promise<HTMLImageElement>((resolve, reject) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.decoding = 'async';
    img.onload = () => {
      resolve(img);
    };
    img.onerror = () => {
      reject(new Error(`the image ${uri} could not be loaded for reading`));
    };
    img.src = uri;
  });
  promise.catch(() => cache.delete(uri));
  cache.set(uri, promise);
  while (cache.size > MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return promise;
}

/** The RGBA pixels of img drawn at width x height (scaled when its size differs). */
export function pixelsOf(img: HTMLImageElement, width: number, height: number): Uint8ClampedArray {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (ctx === null) throw new Error('no 2D canvas context');
  ctx.drawImage(img, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}
