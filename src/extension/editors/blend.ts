// The skin-lesion intervention of the paper: alpha-blend a segmented colourful patch into the
// image, from invisible (t = 0) to `alpha` (t = 1).
import { readImageWithAlpha, readMask } from '../images/io';
import { numberParam, stringParam, type DescribedEditor } from './params';
import { parametricEditor } from './parametric';
import { blendPatch } from './pixels';
import { EditorInputError } from './types';

/**
 * Blend: out = I (1 - t alpha m) + O t alpha m inside the patch at (x, y); m = overlayMask, else
 * the overlay's own transparency, else 1. The overlay is read once per path.
 */
export const blendEditor: DescribedEditor = parametricEditor({
  id: 'blend',
  title: 'Blend: fade in an overlay patch',
  needsMask: false,
  parameterName: 'alpha',
  params: [
    {
      name: 'overlay',
      type: 'path',
      required: true,
      example: 'overlay=patch.png',
      doc: 'image of the patch to blend in (PNG with transparency, JPEG, WebP or BMP)',
    },
    {
      name: 'overlayMask',
      type: 'path',
      example: 'overlayMask=patch-mask.png',
      doc: "mask of the patch, the overlay's size (default: the overlay's transparency, else all of it)",
    },
    {
      name: 'x',
      type: 'integer',
      default: 0,
      min: 0,
      example: 'x=40',
      doc: 'left edge of the patch in the source, in pixels',
    },
    {
      name: 'y',
      type: 'integer',
      default: 0,
      min: 0,
      example: 'y=40',
      doc: 'top edge of the patch in the source, in pixels',
    },
    {
      name: 'alpha',
      type: 'number',
      default: 1,
      min: 0,
      max: 1,
      example: 'alpha=1',
      doc: 'opacity of the patch at t = 1 (0..1)',
    },
  ],
  parameterAt: (t, params) => t * numberParam(params, 'alpha'),
  prepare: async ({ source, params }) => {
    const overlayPath = stringParam(params, 'overlay') ?? '';
    const maskPath = stringParam(params, 'overlayMask');
    const overlay = await readImageWithAlpha(overlayPath);
    const { width, height } = overlay.image;
    const weights =
      maskPath === undefined ? overlay.alpha : await readMask(maskPath, { width, height });
    const x = numberParam(params, 'x');
    const y = numberParam(params, 'y');
    if (x + width > source.width || y + height > source.height) {
      throw new EditorInputError(
        `The overlay ${overlayPath} (${width}x${height}) placed at x=${x}, y=${y} extends past the ${source.width}x${source.height} image; the patch must lie inside it. Use x <= ${Math.max(0, source.width - width)} and y <= ${Math.max(0, source.height - height)}${width > source.width || height > source.height ? ', or a smaller overlay' : ''}.`,
      );
    }
    const alpha = numberParam(params, 'alpha');
    return (t, dst) => {
      blendPatch(source, dst, overlay.image, weights, x, y, t * alpha);
    };
  },
});
