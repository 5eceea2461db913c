// Editors that change one region, given by a mask (255 = inside; soft edges allowed): recolor,
// the fur-colour intervention of the bundled demo, and masked brightness (object or background).
import {
  booleanParam,
  numberParam,
  parseColour,
  stringParam,
  type DescribedEditor,
} from './params';
import { parametricEditor, requireMask } from './parametric';
import { maskedBrightness, maskedMean, recolor } from './pixels';
import { EditorInputError } from './types';

/** Recolour: out = clamp01(I + t m (target - mu)), mu the source's mask-weighted mean colour. */
export const recolorEditor: DescribedEditor = parametricEditor({
  id: 'recolor',
  title: 'Recolour: shift the masked region toward a target colour',
  needsMask: true,
  parameterName: 'fraction of the shift to the target colour',
  params: [
    {
      name: 'target',
      type: 'colour',
      required: true,
      example: 'target=#f0f0f0',
      doc: 'colour the masked mean moves to at t = 1, as #rrggbb or r,g,b (0..255)',
    },
  ],
  parameterAt: (t) => t,
  prepare: (input) => {
    const mask = requireMask('recolor', input);
    const mean = maskedMean(input.source.data, mask.data);
    if (mean === null) {
      throw new EditorInputError(
        'The recolor editor got an empty mask (all black), so there is nothing to recolour. Check that the mask is white where the region is.',
      );
    }
    const target = parseColour(stringParam(input.params, 'target') ?? '');
    if (target === undefined) throw new TypeError('target was not resolved');
    return (t, dst) => {
      recolor(input.source.data, dst, mask.data, target, mean, t);
    };
  },
});

/** Masked brightness: out = clamp01(I (1 + t m (factor - 1))), m the mask or its inverse. */
export const maskedBrightnessEditor: DescribedEditor = parametricEditor({
  id: 'masked-brightness',
  title: 'Masked brightness: brighten or darken the object or the background',
  needsMask: true,
  parameterName: 'factor',
  params: [
    {
      name: 'factor',
      type: 'number',
      default: 1.8,
      min: 0,
      example: 'factor=1.8',
      doc: 'brightness factor inside the edited region at t = 1 (1 = unchanged, 0 = black)',
    },
    {
      name: 'invert',
      type: 'boolean',
      default: false,
      example: 'invert=true',
      doc: 'edit the background (outside the mask) instead of the masked region',
    },
  ],
  parameterAt: (t, params) => 1 + t * (numberParam(params, 'factor') - 1),
  prepare: (input) => {
    const mask = requireMask('masked-brightness', input);
    const invert = booleanParam(input.params, 'invert');
    const empty = invert ? mask.data.every((m) => m === 255) : mask.data.every((m) => m === 0);
    if (empty) {
      throw new EditorInputError(
        `The masked-brightness editor would change nothing: the mask is all ${invert ? 'white, so with invert=true there is no background' : 'black, so there is no region'} to edit. Check the mask${invert ? ', or drop invert=true' : ''}.`,
      );
    }
    const factor = numberParam(input.params, 'factor');
    return (t, dst) => {
      maskedBrightness(input.source.data, dst, mask.data, factor, t, invert);
    };
  },
});
