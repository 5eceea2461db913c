// What Explain Property offers: property presets and the demo classifiers (classifierEntries.ts
// reads the configured ones). Pure: no VS Code, no I/O.
import { basename, join } from 'node:path';

import type { ClassifierChoice } from './classifierEntries';
import { EXPORT_HINT, INSTRUCTION_STEPS } from './instructionEdit';

/** A property the user can pick, mapped to an editor and its parameters. */
export interface PropertyPreset {
  readonly id: string;
  readonly label: string;
  readonly detail: string;
  readonly editor: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly needsMask: boolean;
  /** Something the preset still has to ask for. */
  readonly ask?: 'overlay' | 'folder' | 'instruction';
  /**
   * Steps first offered for a costly editor (remembered apart from the other presets' steps, so
   * that 101 cheap steps last time do not become 101 diffusion runs).
   */
  readonly defaultSteps?: number;
}

/** Target colours of the colour presets: the demo world's light and dark fur. */
export const LIGHT_TARGET = '#dbd1c2';
export const DARK_TARGET = '#29211c';

/**
 * The presets, masked ones first when the image has a mask (then the object's colour is what
 * users mean), the global brightness edit first otherwise: it works on any photo. The instruction
 * edit's detail says how to get an editor model while `propsweep.editorModels` names none.
 */
export function propertyPresets(hasMask: boolean, hasEditorModels: boolean): PropertyPreset[] {
  const masked: PropertyPreset[] = [
    {
      id: 'colour-light',
      label: 'Object colour: lighter',
      detail: `Recolour the masked object toward ${LIGHT_TARGET} (e.g. fur colour)`,
      editor: 'recolor',
      params: { target: LIGHT_TARGET },
      needsMask: true,
    },
    {
      id: 'colour-dark',
      label: 'Object colour: darker',
      detail: `Recolour the masked object toward ${DARK_TARGET}`,
      editor: 'recolor',
      params: { target: DARK_TARGET },
      needsMask: true,
    },
    {
      id: 'background-darker',
      label: 'Background brightness: darker',
      detail: 'Darken everything outside the mask to 0.4x',
      editor: 'masked-brightness',
      params: { factor: 0.4, invert: true },
      needsMask: true,
    },
    {
      id: 'background-brighter',
      label: 'Background brightness: brighter',
      detail: 'Brighten everything outside the mask to 1.8x',
      editor: 'masked-brightness',
      params: { factor: 1.8, invert: true },
      needsMask: true,
    },
  ];
  const global: PropertyPreset[] = [
    {
      id: 'brightness',
      label: 'Brightness',
      detail: 'Scale every pixel up to 1.8x',
      editor: 'brightness',
      params: {},
      needsMask: false,
    },
    {
      id: 'contrast',
      label: 'Contrast',
      detail: 'Flatten contrast down to 0.3x',
      editor: 'contrast',
      params: {},
      needsMask: false,
    },
    {
      id: 'saturation',
      label: 'Colour saturation',
      detail: 'Fade the colours to grey',
      editor: 'saturation',
      params: {},
      needsMask: false,
    },
    {
      id: 'hue',
      label: 'Hue',
      detail: 'Rotate the colours by up to 180 degrees',
      editor: 'hue',
      params: {},
      needsMask: false,
    },
    {
      id: 'blur',
      label: 'Blur',
      detail: 'Gaussian blur up to sigma 4 px',
      editor: 'blur',
      params: {},
      needsMask: false,
    },
    {
      id: 'noise',
      label: 'Noise',
      detail: 'Add seeded Gaussian noise up to std 40',
      editor: 'noise',
      params: {},
      needsMask: false,
    },
    {
      id: 'rotation',
      label: 'Rotation',
      detail: 'Turn the image a full circle (periodic)',
      editor: 'rotation',
      params: {},
      needsMask: false,
    },
    {
      id: 'blend',
      label: 'Patch blend…',
      detail: 'Fade in an overlay patch (pick its image)',
      editor: 'blend',
      params: {},
      needsMask: false,
      ask: 'overlay',
    },
    {
      id: 'sequence',
      label: 'Ordered image folder…',
      detail: 'Real images of the property at recorded strengths (pick the folder)',
      editor: 'sequence',
      params: {},
      needsMask: false,
      ask: 'folder',
    },
    {
      id: 'instruction',
      label: 'Instruction edit (diffusion)…',
      detail: hasEditorModels
        ? 'An InstructPix2Pix model follows your instruction ("make the fur white"), weak to strong (a diffusion run per image)'
        : EXPORT_HINT,
      editor: 'instruct-pix2pix',
      params: {},
      needsMask: false,
      ask: 'instruction',
      defaultSteps: INSTRUCTION_STEPS,
    },
  ];
  return hasMask ? [...masked, ...global] : [...global, ...masked];
}

/** The steps pick of a preset: the options (first the default), and where the last is kept. */
export function stepChoices(
  preset: PropertyPreset,
  settingSteps: number,
): { readonly options: number[]; readonly stateKey: string } {
  return preset.defaultSteps === undefined
    ? { options: [settingSteps, 11, 21, 51, 101], stateKey: 'propsweep.lastSteps' }
    : {
        options: [preset.defaultSteps, settingSteps, 11, 21, 51, 101],
        stateKey: `propsweep.lastSteps.${preset.id}`,
      };
}

/** The bundled demo classifiers (models/demo/*.onnx inside the extension). */
export function demoClassifiers(
  extensionPath: string,
  files: readonly string[],
): ClassifierChoice[] {
  return files
    .filter((f) => f.endsWith('.onnx'))
    .sort()
    .map((f) => ({
      name: `demo: ${basename(f, '.onnx')}`,
      spec: {
        kind: 'onnx' as const,
        path: join(extensionPath, 'models', 'demo', f),
        name: basename(f, '.onnx'),
      },
      origin: 'demo' as const,
    }));
}

/** The mask that goes with an image by convention: NAME.mask.png beside NAME.EXT. */
export function conventionalMaskPath(imagePath: string): string {
  const dot = imagePath.lastIndexOf('.');
  return `${dot > imagePath.lastIndexOf('/') ? imagePath.slice(0, dot) : imagePath}.mask.png`;
}
