// Editors that change the whole image: brightness, contrast, saturation, hue, blur, noise and
// rotation. Strength t in [0, 1] maps linearly to the parameter; t = 0 is the source.
import { Rng } from '../measures/rng';
import { borderMean, gaussianBlur, rotateBilinear } from './filters';
import { numberParam, stringParam, type DescribedEditor } from './params';
import { parametricEditor } from './parametric';
import {
  addNoise,
  gaussianField,
  meanLuma,
  rotateHue,
  scaleBrightness,
  scaleContrast,
  scaleSaturation,
} from './pixels';
import { EditorInputError, type EditorParams } from './types';

/** The factor at strength t: 1 (unchanged) at t = 0, `factor` at t = 1. */
function factorAt(t: number, params: EditorParams): number {
  return 1 + t * (numberParam(params, 'factor') - 1);
}

/** Periodic in t when the sweep goes at least once round the circle. */
function fullTurns(params: EditorParams): number | undefined {
  const degrees = Math.abs(numberParam(params, 'degrees'));
  return degrees >= 360 ? 360 / degrees : undefined;
}

/** Brightness: out = I * (1 + t (factor - 1)). */
export const brightnessEditor: DescribedEditor = parametricEditor({
  id: 'brightness',
  title: 'Brightness: scale every pixel',
  needsMask: false,
  parameterName: 'factor',
  params: [
    {
      name: 'factor',
      type: 'number',
      default: 1.8,
      min: 0,
      example: 'factor=1.8',
      doc: 'brightness factor at t = 1 (1 = unchanged, 0 = black, 2 = twice as bright)',
    },
  ],
  parameterAt: factorAt,
  prepare: ({ source, params }) => {
    return (t, dst) => {
      scaleBrightness(source.data, dst, factorAt(t, params));
    };
  },
});

/** Contrast: out = mean + (I - mean) (1 + t (factor - 1)), mean the image's mean luma. */
export const contrastEditor: DescribedEditor = parametricEditor({
  id: 'contrast',
  title: 'Contrast: scale around the mean grey',
  needsMask: false,
  parameterName: 'factor',
  params: [
    {
      name: 'factor',
      type: 'number',
      default: 0.3,
      min: 0,
      example: 'factor=0.3',
      doc: 'contrast factor at t = 1 (1 = unchanged, 0 = flat mean grey, 2 = twice the contrast)',
    },
  ],
  parameterAt: factorAt,
  prepare: ({ source, params }) => {
    const mean = meanLuma(source.data);
    return (t, dst) => {
      scaleContrast(source.data, dst, factorAt(t, params), mean);
    };
  },
});

/** Saturation: out = L + (I - L) (1 + t (factor - 1)), L each pixel's luma. */
export const saturationEditor: DescribedEditor = parametricEditor({
  id: 'saturation',
  title: 'Saturation: blend with the grey image',
  needsMask: false,
  parameterName: 'factor',
  params: [
    {
      name: 'factor',
      type: 'number',
      default: 0,
      min: 0,
      example: 'factor=0',
      doc: 'saturation factor at t = 1 (1 = unchanged, 0 = grey, 2 = twice as colourful)',
    },
  ],
  parameterAt: factorAt,
  prepare: ({ source, params }) => {
    return (t, dst) => {
      scaleSaturation(source.data, dst, factorAt(t, params));
    };
  },
});

/** Hue: rotate every pixel's HSV hue by t * degrees. */
export const hueEditor: DescribedEditor = parametricEditor({
  id: 'hue',
  title: 'Hue: rotate colours around the colour wheel',
  needsMask: false,
  parameterName: 'degrees',
  params: [
    {
      name: 'degrees',
      type: 'number',
      default: 180,
      min: -3600,
      max: 3600,
      example: 'degrees=180',
      doc: 'hue rotation at t = 1 in degrees (180 = complementary colours, 360 = full circle)',
    },
  ],
  parameterAt: (t, params) => t * numberParam(params, 'degrees'),
  periodOf: fullTurns,
  prepare: ({ source, params }) => {
    const degrees = numberParam(params, 'degrees');
    return (t, dst) => {
      rotateHue(source.data, dst, t * degrees);
    };
  },
});

/** Blur: Gaussian of standard deviation t * sigma pixels. */
export const blurEditor: DescribedEditor = parametricEditor({
  id: 'blur',
  title: 'Blur: Gaussian blur of growing width',
  needsMask: false,
  parameterName: 'sigma (pixels)',
  // A wide kernel on a large image costs more than decoding the cached frame.
  cheap: false,
  params: [
    {
      name: 'sigma',
      type: 'number',
      default: 4,
      min: 0,
      max: 200,
      example: 'sigma=4',
      doc: 'Gaussian standard deviation at t = 1, in pixels of the source (0 = unchanged)',
    },
  ],
  parameterAt: (t, params) => t * numberParam(params, 'sigma'),
  prepare: ({ source, params }) => {
    const sigma = numberParam(params, 'sigma');
    const scratch = new Float32Array(source.data.length);
    return (t, dst) => {
      gaussianBlur(source, t * sigma, dst, scratch);
    };
  },
});

/** Stream of the seeded generator reserved for the noise field ("nois"). */
export const NOISE_STREAM = 0x6e6f6973;

/** Noise: out = I + t * std * z, one fixed Gaussian field z per seed. */
export const noiseEditor: DescribedEditor = parametricEditor({
  id: 'noise',
  title: 'Noise: add Gaussian noise of growing strength',
  random: true,
  needsMask: false,
  parameterName: 'std (0..255)',
  params: [
    {
      name: 'std',
      type: 'number',
      default: 40,
      min: 0,
      max: 255,
      example: 'std=40',
      doc: 'noise standard deviation at t = 1, in pixel units 0..255 (the same noise pattern at every step)',
    },
  ],
  parameterAt: (t, params) => t * numberParam(params, 'std'),
  prepare: ({ source, params, seed }) => {
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
      throw new EditorInputError(
        `The noise editor needs a seed that is a whole number from 0 to 4294967295, got ${seed}.`,
      );
    }
    const std = numberParam(params, 'std');
    // One field for the whole path (common random numbers): a step changes only the noise's
    // amplitude, so neighbouring frames differ smoothly and the same seed gives the same path.
    const field = gaussianField(source.data.length, new Rng(seed, NOISE_STREAM));
    return (t, dst) => {
      addNoise(source.data, dst, field, t * std);
    };
  },
});

/** Rotation: turn clockwise about the centre by t * degrees, same size, corners filled. */
export const rotationEditor: DescribedEditor = parametricEditor({
  id: 'rotation',
  title: 'Rotation: turn the image about its centre',
  needsMask: false,
  parameterName: 'degrees',
  params: [
    {
      name: 'degrees',
      type: 'number',
      default: 360,
      min: -3600,
      max: 3600,
      example: 'degrees=360',
      doc: 'clockwise rotation at t = 1 in degrees (360 = a full turn, a periodic sweep)',
    },
    {
      name: 'fill',
      type: 'choice',
      choices: ['border', 'black'],
      default: 'border',
      example: 'fill=black',
      doc: 'colour of the corners the turn uncovers: border = the mean colour of the edge pixels, black',
    },
  ],
  parameterAt: (t, params) => t * numberParam(params, 'degrees'),
  periodOf: fullTurns,
  prepare: ({ source, params }) => {
    const degrees = numberParam(params, 'degrees');
    // The mean border colour makes the uncovered corners look like background rather than adding
    // black wedges, a property of their own that a classifier may react to.
    const fill: [number, number, number] =
      stringParam(params, 'fill') === 'black' ? [0, 0, 0] : borderMean(source);
    return (t, dst) => {
      rotateBilinear(source, t * degrees, fill, dst);
    };
  },
});
