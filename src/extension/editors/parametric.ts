// The shape every parametric editor shares: resolve the parameters, check the inputs, prepare
// once per path (noise field, mean colour, overlay), then render one frame per strength t.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';

import { FILE_LIMITS } from '../../shared/limits';
import type { ContentFile, ContentRecord } from '../../shared/resultFile';
import { hashRegularFile, UnreadableFileError } from '../files/boundedFiles';
import { checkImageShape, type GrayImage, type RgbImage } from '../images/image';
import { resolveWithSpecs, type DescribedEditor, type ParamSpec } from './params';
import { EditorInputError, type EditedFrame, type EditInput, type EditorParams } from './types';

/** Renders the frame at strength t into `dst` (width x height x 3 bytes). */
export type FrameRenderer = (t: number, dst: Uint8Array) => void;

/** What `prepare` receives: the input with its parameters resolved. */
export interface PreparedInput {
  readonly source: RgbImage;
  readonly mask: GrayImage | undefined;
  readonly params: EditorParams;
  readonly seed: number;
}

/** One parametric editor, declared. */
export interface ParametricDefinition {
  readonly id: string;
  readonly title: string;
  readonly needsMask: boolean;
  readonly parameterName: string;
  /** See ImageEditor.random: whether the frames depend on the seed (noise). */
  readonly random?: boolean;
  /** See ImageEditor.cheap; true unless a frame costs more than decoding a PNG (blur). */
  readonly cheap?: boolean;
  readonly params: readonly ParamSpec[];
  /** Checks that involve several parameters, after each has been checked on its own. */
  readonly check?: (params: EditorParams) => void;
  /** The parameter that strength t maps to (brightness factor, degrees, sigma...). */
  readonly parameterAt: (t: number, params: EditorParams) => number;
  /** See ImageEditor.periodOf; receives resolved parameters. */
  readonly periodOf?: (params: EditorParams) => number | undefined;
  /** Work done once per path; returns the renderer of one frame. */
  readonly prepare: (input: PreparedInput) => FrameRenderer | Promise<FrameRenderer>;
}

/** Builds an ImageEditor (identity at t = 0) from its definition. */
export function parametricEditor(definition: ParametricDefinition): DescribedEditor {
  const { id, params: specs } = definition;
  const resolveParams = (params: EditorParams): EditorParams => {
    const resolved = resolveWithSpecs(id, specs, params);
    definition.check?.(resolved);
    return resolved;
  };
  const periodOf = definition.periodOf;
  return {
    id,
    title: definition.title,
    identityAtZero: true,
    needsMask: definition.needsMask,
    parameterName: definition.parameterName,
    cheap: definition.cheap ?? true,
    ...(definition.random === true ? { random: true } : {}),
    params: specs,
    resolveParams,
    fingerprint: (params: EditorParams) => fileFingerprint(id, specs, resolveParams(params)),
    ...(periodOf === undefined
      ? {}
      : { periodOf: (params: EditorParams) => periodOf(resolveParams(params)) }),
    async *edit(
      input: EditInput,
      strengths: readonly number[],
      signal?: AbortSignal,
    ): AsyncGenerator<EditedFrame> {
      const params = resolveParams(input.params);
      checkImageShape(input.source, 3, 'The source image');
      checkStrengths(id, strengths);
      const render = await definition.prepare({
        source: input.source,
        mask: input.mask,
        params,
        seed: input.seed,
      });
      const { width, height } = input.source;
      for (const t of strengths) {
        signal?.throwIfAborted();
        const data = new Uint8Array(width * height * 3);
        render(t, data);
        yield {
          image: { width, height, data },
          strength: t,
          parameter: definition.parameterAt(t, params),
        };
      }
    },
  };
}

/** Refuses strengths that are not finite numbers in [0, 1]. */
export function checkStrengths(editorId: string, strengths: readonly number[]): void {
  for (const [k, t] of strengths.entries()) {
    if (!(Number.isFinite(t) && t >= 0 && t <= 1)) {
      throw new EditorInputError(
        `The ${editorId} editor takes strengths t in [0, 1]; strengths[${k}] is ${t}. Give strengths from 0 (the source) to 1 (the full edit).`,
      );
    }
  }
}

/** The mask of a masked editor, checked: present, the source's size, not empty. */
export function requireMask(editorId: string, input: PreparedInput): GrayImage {
  const { mask, source } = input;
  if (mask === undefined) {
    throw new EditorInputError(
      `The ${editorId} editor edits inside a mask, and none was given. Give a mask image of the source's size (${source.width}x${source.height}), white where the property is.`,
    );
  }
  if (mask.width !== source.width || mask.height !== source.height) {
    throw new EditorInputError(
      `The mask is ${mask.width}x${mask.height} but the image is ${source.width}x${source.height}; the mask must be the image's size. Export the mask from the same image, or resize it with nearest-neighbour scaling.`,
    );
  }
  checkImageShape(mask, 1, 'The mask');
  return mask;
}

/**
 * The sha256 of the files that the 'path' parameters name (name and content digest of each, in
 * declaration order), or null when none is given: the frame cache keys frames on it, so a frame
 * made before an overlay changed is never reused.
 */
export async function fileFingerprint(
  editorId: string,
  specs: readonly ParamSpec[],
  params: EditorParams,
): Promise<ContentRecord | null> {
  const files: ContentFile[] = [];
  for (const spec of specs) {
    const path = params[spec.name];
    if (spec.type !== 'path' || typeof path !== 'string') continue;
    try {
      const sha256 = await hashRegularFile(path, FILE_LIMITS.paramFileBytes);
      files.push({ name: spec.name, bytes: (await stat(path)).size, sha256 });
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      throw new EditorInputError(
        `The ${editorId} editor's ${spec.name} ${path} cannot be read: ${error.message}. Give a readable file, e.g. --param ${spec.example}.`,
      );
    }
  }
  return files.length === 0 ? null : contentRecord(files);
}

/** The record of `files`, with one digest over their names and digests (in the order given). */
export function contentRecord(files: readonly ContentFile[]): ContentRecord {
  const sha256 = createHash('sha256')
    .update(files.map((f) => `${f.name} ${f.sha256}`).join('\n'))
    .digest('hex');
  return { sha256, files };
}
