// Every editor by id, with its parameters for the CLI's help and the settings UI.
import type { GrayImage } from '../images/image';
import { blendEditor } from './blend';
import { instructPix2PixEditor } from './diffusion/instructPix2Pix';
import {
  blurEditor,
  brightnessEditor,
  contrastEditor,
  hueEditor,
  noiseEditor,
  rotationEditor,
  saturationEditor,
} from './global';
import { maskedBrightnessEditor, recolorEditor } from './masked';
import type { DescribedEditor, ParamSpec } from './params';
import { sequenceEditor } from './sequence';
import { EditorInputError, type EditorParams, type ImageEditor } from './types';

/** All editors, in the order help lists them. */
export const EDITORS: readonly DescribedEditor[] = [
  brightnessEditor,
  contrastEditor,
  saturationEditor,
  hueEditor,
  blurEditor,
  noiseEditor,
  rotationEditor,
  recolorEditor,
  maskedBrightnessEditor,
  blendEditor,
  sequenceEditor,
  instructPix2PixEditor,
];

/** What help shows about one editor. */
export interface EditorInfo {
  readonly id: string;
  readonly title: string;
  readonly needsMask: boolean;
  readonly identityAtZero: boolean;
  readonly parameterName: string;
  readonly params: readonly ParamSpec[];
}

/** The editor with this id; an EditorInputError listing the ids when there is none. */
export function editorById(id: string): DescribedEditor {
  const editor = EDITORS.find((e) => e.id === id);
  if (editor === undefined) {
    throw new EditorInputError(
      `There is no editor "${id}". Editors: ${EDITORS.map((e) => e.id).join(', ')}.`,
    );
  }
  return editor;
}

/** Id, title and parameters (defaults and one-line docs) of every editor. */
export function listEditors(): EditorInfo[] {
  return EDITORS.map(({ id, title, needsMask, identityAtZero, parameterName, params }) => ({
    id,
    title,
    needsMask,
    identityAtZero,
    parameterName,
    params,
  }));
}

/** Plain-text help: each editor, then its parameters with defaults, one line each. */
export function editorHelp(): string {
  const lines: string[] = [];
  for (const editor of listEditors()) {
    lines.push(`${editor.id}${editor.needsMask ? ' (needs a mask)' : ''}: ${editor.title}`);
    for (const p of editor.params) {
      const value =
        p.default !== undefined
          ? `default ${String(p.default)}`
          : p.required === true
            ? 'required'
            : 'optional';
      lines.push(`  --param ${p.name}=...  ${p.doc} (${value})`);
    }
  }
  return lines.join('\n');
}

/**
 * The region an edit is meant to change, for the quality report: the mask for masked editors,
 * its inverse for masked-brightness with invert=true, undefined (whole image) for global editors.
 */
export function intendedRegion(
  editor: ImageEditor,
  params: EditorParams,
  mask: GrayImage | undefined,
): GrayImage | undefined {
  if (!editor.needsMask || mask === undefined) return undefined;
  if (editor.resolveParams(params).invert !== true) return mask;
  const data = new Uint8Array(mask.data.length);
  for (let p = 0; p < data.length; p++) data[p] = 255 - (mask.data[p] as number);
  return { width: mask.width, height: mask.height, data };
}
