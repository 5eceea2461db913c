// The instruction editor: an InstructPix2Pix-family diffusion model (an ONNX export in optimum's
// layout) turns the source into a path along the text guidance scale gT, from the image-only
// reconstruction (gT = 0) to a strong edit, every strength from the same initial noise. Runs in
// the inference child on the configured provider, with the sessions kept warm between runs.
import type * as Ort from 'onnxruntime-node';

import { Rng } from '../../measures/rng';
import { resizeImage } from '../../images/io';
import { checkImageShape, type RgbImage } from '../../images/image';
import { loadOrt } from '../../natives/natives';
import { shortReason } from '../../natives/ortSessions';
import { contentRecord } from '../parametric';
import {
  numberParam,
  resolveWithSpecs,
  stringParam,
  type DescribedEditor,
  type ParamSpec,
} from '../params';
import {
  EditorInputError,
  type EditedFrame,
  type EditInput,
  type EditorParams,
  type EditorRuntime,
} from '../types';
import { FileDigests } from '../../files/fileDigests';
import { fingerprintFolder, folderSignature, openDiffusionFolder } from './modelFolder';
import { LastValue, WarmPool } from './networkPool';
import { readNpyLatents } from './npy';
import { MAX_NODE_SEED } from './seedRandomNodes';
import { NonFiniteOutputError, openNetworks, type OpenedNetworks } from './onnxNetworks';
import { sweep, toModelPixels, type SweepResult } from './sampler';
import { gaussianField } from '../pixels';
import { createScheduler, MAX_DENOISE_STEPS, type SchedulerKind } from './schedulers';
import { readSchedulerConfig, type SchedulerConfig } from './schedulerConfig';
import { TokenizerInputError } from '../../text/errors';
import type { ClipTokenizer } from '../../text/clipTokenizer';
import { loadClipTokenizer } from '../../text/tokenizerFiles';
import type { ExecutionProvider } from '../../../shared/executionProviders';
import { FILE_LIMITS } from '../../../shared/limits';

/** Streams of the seeded generator: the initial latents ("init") and the Euler noise ("step"). */
export const INITIAL_NOISE_STREAM = 0x696e6974;
export const STEP_NOISE_STREAM = 0x73746570;

/** The memory a run plans its UNet batches with when no budget is configured, in MiB. */
export const DEFAULT_MEMORY_BUDGET_MB = 4096;
/** Images per UNet call at most, whatever the budget. */
const MAX_BATCH = 64;

const PARAMS: readonly ParamSpec[] = [
  {
    name: 'model',
    type: 'path',
    required: true,
    example: 'model=models/instruct-pix2pix-onnx',
    doc: "folder of the editor model's ONNX export (optimum-cli export onnx --task image-to-image)",
  },
  {
    name: 'instruction',
    type: 'text',
    required: true,
    example: 'instruction=make the fur white',
    doc: 'what to change, as an instruction: "make the fur white", "change the background to a beach"',
  },
  {
    name: 'guidanceMin',
    type: 'number',
    default: 0,
    min: 0,
    max: 100,
    example: 'guidanceMin=0',
    doc: 'text guidance of the first image (0: the reconstruction, the image without the instruction)',
  },
  {
    name: 'guidanceMax',
    type: 'number',
    default: 10,
    min: 0,
    max: 100,
    example: 'guidanceMax=10',
    doc: 'text guidance of the last image (the strongest edit)',
  },
  {
    name: 'imageGuidance',
    type: 'number',
    default: 1.5,
    min: 0,
    max: 100,
    example: 'imageGuidance=1.5',
    doc: 'image guidance, fixed along the path (higher keeps closer to the source)',
  },
  {
    name: 'denoiseSteps',
    type: 'integer',
    default: 20,
    min: 1,
    max: MAX_DENOISE_STEPS,
    example: 'denoiseSteps=20',
    doc: 'denoising steps of every edit',
  },
  {
    name: 'scheduler',
    type: 'choice',
    default: 'ddim',
    choices: ['ddim', 'euler-ancestral'],
    example: 'scheduler=ddim',
    doc: "sampler: ddim (eta 0, deterministic: the path is not sampler noise) or euler-ancestral (the model's own; its noise shared by every strength)",
  },
  {
    name: 'maxSize',
    type: 'integer',
    default: 512,
    min: 64,
    max: 2048,
    example: 'maxSize=512',
    doc: 'longest side of the edited images in pixels (each side a multiple of 8)',
  },
  {
    name: 'noise',
    type: 'path',
    example: 'noise=latents.npy',
    doc: 'initial latents as float32 .npy [1, 4, height/8, width/8], to compare with a diffusers run on the same latents',
  },
];

/** Digests by store file (one per cache folder), shared by the runs of this process. */
const digestsByStore = new Map<string, FileDigests>();

function digestsFor(store: string | undefined): FileDigests {
  const key = store ?? '';
  let digests = digestsByStore.get(key);
  if (digests === undefined) {
    digests = new FileDigests(store);
    digestsByStore.set(key, digests);
  }
  return digests;
}

function resolve(params: EditorParams): EditorParams {
  const resolved = resolveWithSpecs('instruct-pix2pix', PARAMS, params);
  if (numberParam(resolved, 'guidanceMax') <= numberParam(resolved, 'guidanceMin')) {
    throw new EditorInputError(
      `The instruct-pix2pix editor sweeps the text guidance from guidanceMin to a larger guidanceMax; got ${String(resolved.guidanceMin)} to ${String(resolved.guidanceMax)}. Write e.g. --guidance-min 0 --guidance-max 10.`,
    );
  }
  return resolved;
}

/** The working size: the longer side at most maxSize, each side a multiple of 8 (at least 8). */
export function workingSize(
  width: number,
  height: number,
  maxSize: number,
): readonly [number, number] {
  const scale = Math.min(1, maxSize / Math.max(width, height));
  const side = (n: number): number => Math.max(8, Math.floor((n * scale) / 8) * 8);
  return [side(width), side(height)];
}

/**
 * Images one UNet call may hold within `budgetMB`: a Stable Diffusion 1.x UNet keeps about
 * 8 a^2 + 12,800 a values per image at latent area a (attention scores over a tokens in 8 heads,
 * and the feature maps), in its float type. An estimate: a user with less memory lowers the budget.
 */
export function imagesPerCall(
  latentArea: number,
  floatBytes: number,
  budgetMB: number,
  fixedBatch: number | null,
): number {
  if (fixedBatch !== null) return fixedBatch;
  const perImage = floatBytes * (8 * latentArea * latentArea + 12_800 * latentArea);
  return Math.max(1, Math.min(MAX_BATCH, Math.floor((budgetMB * 1024 * 1024) / perImage)));
}

/** The text guidance of each of `steps` images, evenly from guidanceMin to guidanceMax. */
export function guidanceGrid(params: EditorParams, steps: number): number[] {
  const from = numberParam(params, 'guidanceMin');
  const to = numberParam(params, 'guidanceMax');
  return Array.from({ length: steps }, (_, k) => from + ((to - from) * k) / (steps - 1));
}

/** The instruction editor (see the file's comment), on the installed onnxruntime. */
export const instructPix2PixEditor: DescribedEditor = makeInstructPix2PixEditor(loadOrt);

/**
 * The instruction editor with the onnxruntime module supplied: the seam through which tests make a
 * GPU provider fail its first run, which no provider on a CPU-only machine does by itself.
 */
export function makeInstructPix2PixEditor(getOrt: () => typeof Ort): DescribedEditor {
  // What this editor keeps loaded between paths (one editor in the product).
  const kept: Kept = {
    networks: new WarmPool<OpenedNetworks>((networks) => networks.release()),
    texts: new LastValue(),
  };
  return {
    id: 'instruct-pix2pix',
    title: 'Instruction edit (diffusion): an InstructPix2Pix model, weak to strong text guidance',
    identityAtZero: false,
    random: true,
    needsMask: false,
    parameterName: 'text guidance',
    cheap: false,
    params: PARAMS,
    resolveParams: resolve,
    strengthsFor: (params, steps) => Promise.resolve(guidanceGrid(resolve(params), steps)),
    async fingerprint(params, signal, digestStore) {
      const resolved = resolve(params);
      const digests = digestsFor(digestStore);
      const model = await modelWork(
        openDiffusionFolder(stringParam(resolved, 'model') ?? '').then((folder) =>
          fingerprintFolder(folder, digests, signal),
        ),
      );
      const files = [...model.files];
      const noise = stringParam(resolved, 'noise');
      if (noise !== undefined) {
        const { sha256, bytes } = await digests
          .digest(noise, FILE_LIMITS.paramFileBytes)
          .catch((error: unknown) => {
            throw new EditorInputError(
              `The noise file ${noise} cannot be read (${error instanceof Error ? error.message : String(error)}). Give a float32 .npy file of shape [1, 4, height/8, width/8].`,
            );
          });
        files.push({ name: 'noise', bytes, sha256 });
        await digests.flush();
      }
      return contentRecord(files);
    },
    async *edit(
      input: EditInput,
      strengths: readonly number[],
      signal?: AbortSignal,
    ): AsyncGenerator<EditedFrame> {
      const params = resolve(input.params);
      checkImageShape(input.source, 3, 'The source image');
      const runtime = input.runtime;
      if (runtime === undefined) {
        throw new Error('The instruct-pix2pix editor runs in the inference child, with a runtime.');
      }
      const made = await editPath(
        getOrt,
        kept,
        input.source,
        params,
        input.seed,
        strengths,
        runtime,
        signal,
      );
      for (const [k, image] of made.entries()) {
        signal?.throwIfAborted();
        const strength = strengths[k] ?? 0;
        yield { image, strength, parameter: strength };
      }
    },
  };
}

/**
 * `work` with its EditorInputError marked as the editor model's (a missing, incomplete or foreign
 * export): VS Code then offers how to export one.
 */
async function modelWork<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (
      (error instanceof EditorInputError && error.help === undefined) ||
      error instanceof TokenizerInputError
    ) {
      throw new EditorInputError(error.message, { help: 'editor-model' });
    }
    throw error;
  }
}

/** A run that failed on a GPU provider (not the user's input, not a cancel): retried on the CPU. */
class ProviderRunError extends Error {
  override readonly name = 'ProviderRunError';

  constructor(
    readonly provider: ExecutionProvider,
    readonly reason: string,
    /** Whether a network answered NaN or an infinity (the run itself succeeded). */
    readonly nonFinite = false,
  ) {
    super(`the ${provider} provider failed: ${reason}`);
  }
}

/**
 * The networks, and the tokenizer with the scheduler's config, of the last model folder; the last
 * provider that failed a run, for which model (folder, files, provider, device).
 */
interface Kept {
  readonly networks: WarmPool<OpenedNetworks>;
  failedRun?: { readonly key: string; readonly reason: string };
  readonly texts: LastValue<{
    readonly tokenizer: ClipTokenizer;
    readonly config: SchedulerConfig;
  }>;
}

async function editPath(
  getOrt: () => typeof Ort,
  kept: Kept,
  source: RgbImage,
  params: EditorParams,
  seed: number,
  guidances: readonly number[],
  runtime: EditorRuntime,
  signal: AbortSignal | undefined,
): Promise<RgbImage[]> {
  const started = performance.now();
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new EditorInputError(
      `The instruct-pix2pix editor needs a seed that is a whole number from 0 to 4294967295, got ${seed}.`,
    );
  }
  const folder = await modelWork(openDiffusionFolder(stringParam(params, 'model') ?? ''));
  // What is kept loaded (networks, tokenizer, scheduler config) is the current files' only.
  const signature = await folderSignature(folder);
  const { tokenizer, config } = await modelWork(
    kept.texts.get(`${folder.root}\n${signature}`, async () => ({
      tokenizer: await loadClipTokenizer(folder.tokenizer),
      config: await readSchedulerConfig(folder.schedulerConfig),
    })),
  );
  const kind = stringParam(params, 'scheduler') as SchedulerKind;
  const steps = numberParam(params, 'denoiseSteps');
  const scheduler = createScheduler(kind, config, steps);
  const instruction = stringParam(params, 'instruction') ?? '';
  const notes = [...folder.notes];
  const dropped = tokenizer.countTruncated(instruction);
  if (dropped > 0) {
    notes.push(
      `The instruction is ${dropped} token(s) longer than the text encoder reads (${tokenizer.maxLength}); its end was cut off.`,
    );
  }
  const loadStarted = performance.now();
  runtime.progress('Loading the editor model', 0, steps);
  // The provider is tried first; a session it opens can still fail its first run (a CUDA library
  // or kernel missing, its memory exhausted), and then the path is made on the CPU, said once.
  // A model: its folder, the files in it now, the provider and device it runs on.
  const modelKey = (provider: ExecutionProvider): string =>
    `${folder.root}\n${signature}\n${provider}\n${String(runtime.deviceId)}`;
  const attempt = (provider: ExecutionProvider, failed: string | null): Promise<RgbImage[]> =>
    kept.networks.with(
      modelKey(provider),
      () => modelWork(openNetworks(getOrt(), folder, provider, runtime.deviceId, runtime.log)),
      async (networks) => {
        try {
          return await makePath(networks, failed ?? networks.fallbackReason);
        } catch (error) {
          const users =
            error instanceof EditorInputError && !(error instanceof NonFiniteOutputError);
          if (networks.provider === 'cpu' || users || signal?.aborted) throw error;
          throw error instanceof NonFiniteOutputError
            ? new ProviderRunError(networks.provider, error.what, true)
            : new ProviderRunError(networks.provider, shortReason(error));
        }
      },
    );
  // After a provider failed a run of this model, its later paths go to the CPU at once: trying
  // again would reopen the provider's sessions (seconds for a real model) to fail the same way.
  const tried = modelKey(runtime.provider);
  const failedBefore = kept.failedRun?.key === tried ? kept.failedRun.reason : undefined;
  if (failedBefore !== undefined) return attempt('cpu', failedBefore);
  try {
    return await attempt(runtime.provider, null);
  } catch (error) {
    if (!(error instanceof ProviderRunError)) throw error;
    kept.failedRun = { key: tried, reason: error.reason };
    const later = `the next paths of this model are made on the CPU too, until its files change or the window is reloaded`;
    runtime.log(
      error.nonFinite
        ? `${folder.root}: on the ${error.provider} provider ${error.reason}; editing on CPU, where float32 does not overflow as float16 kernels can; ${later}.`
        : `${folder.root}: the ${error.provider} provider failed a run (${error.reason}); editing on CPU, and ${later}. If it ran out of memory, lower the memory budget (--edit-memory-mb, propsweep.diffusion.memoryBudgetMB).`,
    );
    return attempt('cpu', error.reason);
  }

  async function makePath(
    networks: OpenedNetworks,
    fallbackReason: string | null,
  ): Promise<RgbImage[]> {
    const loadMs = performance.now() - loadStarted;
    signal?.throwIfAborted();
    const [width, height] =
      networks.latentSize === null
        ? workingSize(source.width, source.height, numberParam(params, 'maxSize'))
        : [networks.latentSize[1] * 8, networks.latentSize[0] * 8];
    if (networks.latentSize !== null) {
      notes.push(
        `The UNet is exported for ${width}x${height} images only; the source was resized to that.`,
      );
    }
    if (networks.sequenceLength !== null && networks.sequenceLength !== tokenizer.maxLength) {
      throw new EditorInputError(
        `${folder.models.text_encoder} reads ${networks.sequenceLength} tokens but the tokenizer makes ${tokenizer.maxLength}; the folder mixes two models. Export the model again.`,
      );
    }
    if (networks.randomImageLatents) {
      notes.push(
        networks.seededImageLatents
          ? `The VAE encoder of this export samples its latents (an older export) instead of giving their mean: the draw is seeded with the run's seed (${seed % (MAX_NODE_SEED + 1)}), so the same seed gives the same image conditioning. A current optimum export gives the mean.`
          : 'The VAE encoder of this export samples its latents (an older export) and cannot be seeded (its weights are in external data): the image conditioning is random, so runs differ slightly. Export the model again with a current optimum for the mean.',
      );
    }
    const working =
      width === source.width && height === source.height
        ? source
        : await resizeImage(source, width, height);
    const plane = 4 * (height / 8) * (width / 8);
    const noisePath = stringParam(params, 'noise');
    const initialNoise =
      noisePath === undefined
        ? gaussianField(plane, new Rng(seed, INITIAL_NOISE_STREAM))
        : await readNpyLatents(noisePath, [1, 4, height / 8, width / 8]);
    const stepRng = new Rng(seed, STEP_NOISE_STREAM);
    const stepNoises: Float32Array[] = [];
    const stepNoise = (i: number): Float32Array => {
      // Drawn in step order whatever asks first, so step i's noise depends only on the seed.
      while (stepNoises.length <= i) stepNoises.push(gaussianField(plane, stepRng));
      return stepNoises[i] ?? new Float32Array(plane);
    };
    const maxBatch = imagesPerCall(
      plane / 4,
      networks.floatType === 'float16' ? 2 : 4,
      runtime.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB,
      networks.unetBatch,
    );
    const denoiseStarted = performance.now();
    const result: SweepResult = await sweep(networks, {
      guidances,
      imageGuidance: numberParam(params, 'imageGuidance'),
      scheduler,
      textIds: tokenizer.encode(instruction),
      emptyIds: tokenizer.encode(''),
      source: toModelPixels(working.data, height, width),
      height,
      width,
      initialNoise,
      stepNoise,
      scalingFactor: folder.scalingFactor,
      imageSeed: seed,
      maxBatch,
      signal,
      onStep: (done, total) => {
        const elapsed = performance.now() - denoiseStarted;
        const left = done === 0 ? NaN : (elapsed / done) * (total - done);
        runtime.progress(
          `Denoising step ${done} of ${total}${done < total && Number.isFinite(left) ? `, about ${formatSeconds(left)} left` : ''}`,
          done,
          total,
        );
      },
    });
    runtime.report({
      size: [width, height],
      provider: networks.provider,
      fallbackReason,
      counts: {
        frames: guidances.length,
        denoiseSteps: steps,
        unetCalls: result.unetCalls,
        imageEvaluations: result.imageEvaluations,
        maxBatch,
      },
      phasesMs: {
        load: Math.round(loadMs * 10) / 10,
        ...result.phaseMs,
        total: Math.round((performance.now() - started) * 10) / 10,
      },
      notes,
    });
    return result.images.map((data) => ({ width, height, data }));
  }
}

function formatSeconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}
