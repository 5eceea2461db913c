// npm run bench -- diffusion: the instruction editor's cost. (1) UNet calls and image evaluations
// per path, from the sampler's own counting, next to a reference-style run (the pipeline reloaded
// per edit, 3 branches every step, batch 1); (2) a random-weight UNet with the cost structure of
// Stable Diffusion 1.x, written at bench time; (3) wall time per path through the real sampler and
// ONNX adapter at several batch sizes; (4) the whole editor (folder checks, tokenising, resizing,
// VAE, scheduler maths, copies) against the UNet's own time, target <= 1.15. `diffusion-gpu` does
// the same on CUDA with a full-size float16 UNet (bench/diffusionGpu.sh). Numbers, not tests.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { instructPix2PixEditor } from '../src/extension/editors/diffusion/instructPix2Pix';
import {
  DEFAULT_MEMORY_BUDGET_MB,
  guidanceGrid,
  imagesPerCall,
  INITIAL_NOISE_STREAM,
} from '../src/extension/editors/diffusion/instructPix2Pix';
import { openDiffusionFolder } from '../src/extension/editors/diffusion/modelFolder';
import { openNetworks } from '../src/extension/editors/diffusion/onnxNetworks';
import {
  branchWeights,
  BRANCHES,
  sweep,
  toModelPixels,
  type DiffusionModels,
} from '../src/extension/editors/diffusion/sampler';
import { readSchedulerConfig } from '../src/extension/editors/diffusion/schedulerConfig';
import { createScheduler } from '../src/extension/editors/diffusion/schedulers';
import { gaussianField } from '../src/extension/editors/pixels';
import { loadClipTokenizer } from '../src/extension/text/tokenizerFiles';
import type { RgbImage } from '../src/extension/images/image';
import { readImage, resizeImage } from '../src/extension/images/io';
import { Rng } from '../src/extension/measures/rng';
import {
  createOrtSession,
  PROVIDER_HINTS,
  shortReason,
} from '../src/extension/natives/ortSessions';
import { loadOrt } from '../src/extension/natives/natives';
import type { ExecutionProvider } from '../src/shared/executionProviders';
import type { EditorRunRecord } from '../src/shared/resultFile';
import { buildUnet, fullUnet, MID_UNET, writeUnet, type UnetShape } from './benchUnet';

const ROOT = join(__dirname, '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'diffusion', 'ip2p-fp32');
const INSTRUCTION = 'make the fur white';

/** What one run of the bench measures. */
interface Plan {
  readonly provider: ExecutionProvider;
  readonly unet: UnetShape;
  /** The working size's side in pixels (latents side / 8). */
  readonly side: number;
  readonly strengths: number;
  readonly denoiseSteps: number;
  readonly batches: readonly number[];
}

/** On this machine's CPU: the mid-size UNet at 512 px; a short path so the bench stays short. */
const CPU_PLAN: Plan = {
  provider: 'cpu',
  unet: MID_UNET,
  side: 512,
  strengths: 11,
  denoiseSteps: 5,
  batches: [1, 3, 6, 12],
};

/** On a CUDA GPU: Stable Diffusion 1.5's widths in float16 at 512 px. */
const GPU_PLAN: Plan = {
  provider: 'cuda',
  unet: fullUnet('float16'),
  side: 512,
  strengths: 11,
  denoiseSteps: 10,
  batches: [1, 3, 6, 12, 24],
};

/** The CPU bench (the mid-size UNet). */
export function diffusion(): Promise<void> {
  return runPlan(CPU_PLAN);
}

/** The GPU bench (a full-size float16 UNet on CUDA); fails rather than fall back to the CPU. */
export function diffusionGpu(): Promise<void> {
  return runPlan(GPU_PLAN);
}

async function runPlan(plan: Plan): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'propsweep-diffusion-bench-'));
  try {
    line(
      `diffusion bench: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown'}), provider ${plan.provider}, onnxruntime ${loadOrt().env.versions.common} with its default threads (intra-op: one per physical core)`,
    );
    await counting();
    const folder = await modelFolder(plan, dir);
    const source = await sourceImage(plan.side + plan.side / 2);
    await paths(plan, folder, source);
    await wholeEditor(plan, folder, source);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Counting.

/** Networks that cost nothing: the sampler's counting alone. */
function freeModels(): DiffusionModels {
  return {
    encodeText: (ids) => Promise.resolve(new Float32Array(ids.length * 77 * 8)),
    encodeImage: (_pixels, height, width) =>
      Promise.resolve(new Float32Array((4 * height * width) / 64)),
    denoise: (_sample, _t, _hidden, batch, h, w) =>
      Promise.resolve(new Float32Array(batch * 4 * h * w)),
    decode: (_latents, batch, h, w) => Promise.resolve(new Float32Array(batch * 3 * 64 * h * w)),
  };
}

/** Evaluations of one strength per step: its branches of non-zero weight. */
function branchesOf(gT: number, gI: number): number {
  const weights = branchWeights(gT, gI);
  return BRANCHES.filter((b) => weights[b] !== 0).length;
}

/**
 * The sampler's counts worked out by hand: the first step evaluates each branch some strength
 * needs once (all strengths hold the same latents); every later step evaluates each strength's
 * non-zero branches, in calls of at most `batch` images.
 */
function formulaCounts(
  guidances: readonly number[],
  gI: number,
  steps: number,
  batch: number,
): { calls: number; evaluations: number } {
  const first = BRANCHES.filter((b) =>
    guidances.some((gT) => branchWeights(gT, gI)[b] !== 0),
  ).length;
  const later = guidances.reduce((n, gT) => n + branchesOf(gT, gI), 0);
  return {
    calls: Math.ceil(first / batch) + (steps - 1) * Math.ceil(later / batch),
    evaluations: first + (steps - 1) * later,
  };
}

async function counting(): Promise<void> {
  const config = await readSchedulerConfig(join(FIXTURE, 'scheduler', 'scheduler_config.json'));
  const params = instructPix2PixEditor.resolveParams({ model: FIXTURE, instruction: INSTRUCTION });
  const strengths = 21; // the CLI's --steps default
  const steps = 20; // denoiseSteps' default
  const guidances = guidanceGrid(params, strengths);
  const area = 64 * 64; // 512 px
  const fp32 = imagesPerCall(area, 4, DEFAULT_MEMORY_BUDGET_MB, null);
  const fp16 = imagesPerCall(area, 2, DEFAULT_MEMORY_BUDGET_MB, null);
  const rows: (string | number)[][] = [];
  const reference = (n: number, s: number, note: string): void => {
    rows.push([`reference-style ${note}`, n, s, 'any (3 branches)', 3, n * s, 3 * n * s, n]);
  };
  reference(100, 100, '(100 x 100)');
  reference(strengths, steps, '(same grid)');
  for (const gI of [1.5, 1]) {
    for (const [batch, note] of [
      [1, 'batch 1'],
      [fp32, 'fp32 at 4 GiB'],
      [fp16, 'fp16 at 4 GiB'],
    ] as const) {
      // The sampler's own counts, at a small working size (the counts do not depend on it).
      const result = await sweep(freeModels(), {
        guidances,
        imageGuidance: gI,
        scheduler: createScheduler('ddim', config, steps),
        textIds: new Int32Array(77),
        emptyIds: new Int32Array(77),
        source: new Float32Array(3 * 64 * 64),
        height: 64,
        width: 64,
        initialNoise: new Float32Array(4 * 8 * 8),
        stepNoise: () => new Float32Array(4 * 8 * 8),
        scalingFactor: 0.18215,
        maxBatch: batch,
      });
      const formula = formulaCounts(guidances, gI, steps, batch);
      if (formula.calls !== result.unetCalls || formula.evaluations !== result.imageEvaluations) {
        throw new Error(
          `the formula's counts ${JSON.stringify(formula)} differ from the sampler's`,
        );
      }
      rows.push([
        `propsweep, ${note}`,
        strengths,
        steps,
        gI,
        batch,
        result.unetCalls,
        result.imageEvaluations,
        '1 (then warm)',
      ]);
    }
  }
  table(
    `1. UNet work per path (gT ${guidances[0] ?? 0} to ${guidances.at(-1) ?? 0}; counted by sampler.ts on free networks, checked against the formula)`,
    [
      'path',
      'strengths N',
      'steps S',
      'gI',
      'images/call',
      'UNet calls',
      'image evaluations',
      'pipeline loads',
    ],
    rows,
  );
  line(
    'reference-style: 3 N S evaluations in N S calls of 3, the pipeline loaded N times. propsweep: b1 + (S - 1) sum_k b_k evaluations in ceil(b1 / B) + (S - 1) ceil(sum_k b_k / B) calls, b_k the branches of non-zero weight of strength k (gT_k, gI - gT_k, 1 - gI), b1 those any strength needs (the shared first step), B images per call.',
  );
}

// ---------------------------------------------------------------------------------------------
// 2. The model folder: the fixture's text encoder, VAE, tokenizer and scheduler, a generated UNet.

async function modelFolder(plan: Plan, dir: string): Promise<string> {
  const folder = join(dir, 'model');
  cpSync(FIXTURE, folder, { recursive: true });
  const latent = [plan.side / 8, plan.side / 8] as const;
  const built = buildUnet(plan.unet, latent);
  const started = performance.now();
  const bytes = writeUnet(folder, built, 2026);
  const writeMs = performance.now() - started;
  const { widths, blocks, attention, heads, feedForward, float } = plan.unet;
  table(
    `2. The generated UNet (${plan.unet.name}; written in ${ms(writeMs)} ms; text encoder, VAE, tokenizer, scheduler from the ip2p-fp32 fixture)`,
    [
      'widths',
      'res blocks/level',
      'attention by level',
      'heads',
      'feed-forward',
      'float',
      'parameters',
      'weights',
      `GMAC/image at ${latent[0]}x${latent[1]} latents`,
    ],
    [
      [
        widths.join('/'),
        blocks,
        `${attention.join('/')} (+ self in the middle)`,
        heads,
        feedForward ? 'GEGLU' : 'none',
        float,
        `${(built.parameters / 1e6).toFixed(1)} M`,
        `${(bytes / 2 ** 20).toFixed(0)} MiB`,
        (built.macs / 1e9).toFixed(2),
      ],
    ],
  );
  await rawUnet(plan, folder);
  return folder;
}

/** The UNet session alone (onnxruntime's run, no adapter) at each batch size: the floor. */
async function rawUnet(plan: Plan, folder: string): Promise<void> {
  const ort = loadOrt();
  const session = await createOrtSession(
    ort,
    join(folder, 'unet', 'model.onnx'),
    plan.provider,
    undefined,
  ).catch((error: unknown) => {
    const hint = plan.provider === 'cpu' ? '' : ` ${PROVIDER_HINTS[plan.provider]}`;
    throw new Error(
      `the ${plan.provider} provider is not available: ${shortReason(error)}.${hint}`,
    );
  });
  const half = plan.unet.float === 'float16';
  const h = plan.side / 8;
  const rows: (string | number)[][] = [];
  try {
    for (const batch of plan.batches) {
      const floats = (dims: number[]): InstanceType<typeof ort.Tensor> => {
        const n = dims.reduce((a, d) => a * d, 1);
        return half
          ? new ort.Tensor('float16', new Uint16Array(n).fill(0x3000), dims)
          : new ort.Tensor('float32', new Float32Array(n).fill(0.125), dims);
      };
      const feeds = {
        sample: floats([batch, 8, h, h]),
        timestep: floats([]),
        encoder_hidden_states: floats([batch, 77, 8]),
      };
      await session.run(feeds); // warm-up (and, on a GPU, its memory arena)
      const times: number[] = [];
      for (let r = 0; r < 2; r++) {
        const started = performance.now();
        await session.run(feeds);
        times.push(performance.now() - started);
      }
      const best = Math.min(...times);
      rows.push([batch, ms(best), ms(best / batch)]);
    }
  } finally {
    await session.release();
  }
  table(
    `   The UNet session alone (onnxruntime run, best of 2 after a warm-up, ${plan.side} px)`,
    ['images/call', 'ms/call', 'ms/image'],
    rows,
  );
}

async function sourceImage(side: number): Promise<RgbImage> {
  const { image } = await readImage(join(ROOT, 'models', 'demo', 'images', 'dark-cat.png'));
  return resizeImage(image, side, side);
}

// ---------------------------------------------------------------------------------------------
// 3. Paths through the sampler and the ONNX adapter.

async function paths(plan: Plan, root: string, source: RgbImage): Promise<void> {
  const folder = await openDiffusionFolder(root);
  const networks = await openNetworks(loadOrt(), folder, plan.provider, undefined, () => undefined);
  try {
    if (networks.provider !== plan.provider) {
      throw new Error(
        `the ${plan.provider} provider is not available (${networks.fallbackReason ?? 'unknown'}); this bench does not run a full-size UNet on the CPU`,
      );
    }
    const tokenizer = await loadClipTokenizer(folder.tokenizer);
    const config = await readSchedulerConfig(folder.schedulerConfig);
    const params = instructPix2PixEditor.resolveParams({ model: root, instruction: INSTRUCTION });
    const side = plan.side;
    const plane = 4 * (side / 8) * (side / 8);
    const request = {
      guidances: guidanceGrid(params, plan.strengths),
      imageGuidance: 1.5,
      textIds: tokenizer.encode(INSTRUCTION),
      emptyIds: tokenizer.encode(''),
      source: toModelPixels((await resizeImage(source, side, side)).data, side, side),
      height: side,
      width: side,
      initialNoise: gaussianField(plane, new Rng(0, INITIAL_NOISE_STREAM)),
      stepNoise: () => new Float32Array(plane),
      scalingFactor: folder.scalingFactor,
    };
    const rows: (string | number)[][] = [];
    const path = async (label: string, models: DiffusionModels, batch: number): Promise<void> => {
      (globalThis as { gc?: () => void }).gc?.();
      const started = performance.now();
      const result = await sweep(models, {
        ...request,
        scheduler: createScheduler('ddim', config, plan.denoiseSteps),
        maxBatch: batch,
      });
      const total = performance.now() - started;
      const { text, image, unet, denoise, decode } = result.phaseMs;
      rows.push([
        label,
        batch,
        result.unetCalls,
        result.imageEvaluations,
        ms(total),
        ms(unet),
        ms(unet / result.imageEvaluations),
        ms(text + image),
        ms(denoise - unet),
        ms(decode),
        models === networks ? ratio(total / unet) : '-',
      ]);
    };
    for (const batch of plan.batches) await path('the UNet', networks, batch);
    // The sampler's own work on networks that cost nothing: its arithmetic and copies alone.
    await path('free networks', freeModels(), plan.batches.at(-1) ?? 1);
    table(
      `3. One path through sweep() and openNetworks() (N = ${plan.strengths} strengths, gT 0 to 10, gI 1.5, DDIM ${plan.denoiseSteps} steps, ${side}x${side} px, ${networks.provider})`,
      [
        'networks',
        'images/call',
        'UNet calls',
        'image evaluations',
        'sweep ms',
        'UNet ms',
        'UNet ms/evaluation',
        'text + VAE enc ms',
        'sampler ms',
        'VAE dec ms',
        'sweep / UNet',
      ],
      rows,
    );
  } finally {
    await networks.release();
  }
}

// ---------------------------------------------------------------------------------------------
// 4. The whole editor, as the inference child runs it.

async function wholeEditor(plan: Plan, root: string, source: RgbImage): Promise<void> {
  const editor = instructPix2PixEditor;
  const params = editor.resolveParams({
    model: root,
    instruction: INSTRUCTION,
    denoiseSteps: plan.denoiseSteps,
    maxSize: plan.side,
  });
  const fingerprints: number[] = [];
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    await editor.fingerprint?.(params);
    fingerprints.push(performance.now() - started);
  }
  const strengths = guidanceGrid(params, plan.strengths);
  const rows: (string | number)[][] = [];
  for (const run of ['cold (opens the sessions)', 'warm']) {
    (globalThis as { gc?: () => void }).gc?.();
    let record: EditorRunRecord | undefined;
    const started = performance.now();
    const frames: RgbImage[] = [];
    for await (const frame of editor.edit(
      {
        source,
        params,
        seed: 0,
        runtime: {
          provider: plan.provider,
          log: () => undefined,
          progress: () => undefined,
          report: (r) => {
            record = r;
          },
        },
      },
      strengths,
    )) {
      frames.push(frame.image);
    }
    const total = performance.now() - started;
    if (record === undefined) throw new Error('the editor made no report');
    const phase = (name: string): number => record?.phasesMs[name] ?? NaN;
    const unet = phase('unet');
    rows.push([
      run,
      `${record.size[0]}x${record.size[1]}`,
      frames.length,
      record.counts.maxBatch ?? NaN,
      record.counts.unetCalls ?? NaN,
      record.counts.imageEvaluations ?? NaN,
      ms(phase('load')),
      ms(phase('text')),
      ms(phase('image')),
      ms(unet),
      ms(phase('denoise') - unet),
      ms(phase('decode')),
      ms(total),
      ratio(total / unet),
      ratio((total - phase('load')) / unet),
    ]);
  }
  table(
    `4. The whole editor: instructPix2PixEditor.edit from a ${source.width}x${source.height} source (folder checks, tokenising, resizing, VAE, scheduler maths, copies; default memory budget ${DEFAULT_MEMORY_BUDGET_MB} MiB; target total / UNet <= 1.15)`,
    [
      'run',
      'size',
      'frames',
      'images/call',
      'UNet calls',
      'evaluations',
      'load ms',
      'text ms',
      'VAE enc ms',
      'UNet ms',
      'sampler ms',
      'VAE dec ms',
      'total ms',
      'total / UNet',
      'without load / UNet',
    ],
    rows,
  );
  line(
    `   fingerprint of the folder (sha256 of every file; the frame cache's key): ${ms(fingerprints[0] ?? NaN)} ms the first time, ${ms(fingerprints[1] ?? NaN)} ms after (kept by path, size and mtime)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Printing.

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** A Markdown table under its title. */
function table(
  title: string,
  columns: readonly string[],
  rows: readonly (string | number)[][],
): void {
  line('');
  line(title);
  line('');
  line(`| ${columns.join(' | ')} |`);
  line(`|${columns.map(() => ' --- ').join('|')}|`);
  for (const row of rows) line(`| ${row.map(String).join(' | ')} |`);
  line('');
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

function ratio(x: number): string {
  return x.toFixed(3);
}
