// The editors: turn one source image into a path of gradually edited images.
export { blendEditor } from './blend';
export {
  blurEditor,
  brightnessEditor,
  contrastEditor,
  hueEditor,
  NOISE_STREAM,
  noiseEditor,
  rotationEditor,
  saturationEditor,
} from './global';
export { maskedBrightnessEditor, recolorEditor } from './masked';
export { parseColour, type DescribedEditor, type ParamSpec, type ParamType } from './params';
export {
  assessEdit,
  judgeEdit,
  LEAKAGE_ABSOLUTE_LIMIT,
  LEAKAGE_RATIO_LIMIT,
  stepChange,
  type EditQuality,
  type StepChange,
} from './quality';
export {
  EDITORS,
  editorById,
  editorHelp,
  intendedRegion,
  listEditors,
  type EditorInfo,
} from './registry';
export { loadSequence, sequenceEditor, type LoadedSequence, type SequenceFrame } from './sequence';
export {
  EditorInputError,
  type EditedFrame,
  type EditInput,
  type EditorParams,
  type ImageEditor,
} from './types';
