// The four networks of an InstructPix2Pix export as ONNX Runtime sessions, behind the sampler's
// DiffusionModels. Exports differ, so each network's inputs and outputs are read from the session
// metadata and adapted to: input_ids int32 or int64; the UNet's timestep a 0-d scalar in the
// model's float type (optimum >= 1.24) or int64 [batch] (older); the VAE encoder's
// latent_parameters (mean and log-variance: the mean is taken) or an older sampled latent_sample;
// float16 or float32 tensors; fixed or dynamic batch and latent sizes.
import type * as Ort from 'onnxruntime-node';

import type { ExecutionProvider } from '../../../shared/executionProviders';
import { toFloat16Array } from '../../../shared/float16';
import { readRegularFile } from '../../files/boundedFiles';
import { cpuSessionOptions, openOrtSession, type OpenedSession } from '../../natives/ortSessions';
import { floatTensorValues } from '../../natives/tensorData';
import { EditorInputError } from '../types';
import { EXPORT_COMMAND, NETWORKS, type DiffusionFolder, type Network } from './modelFolder';
import type { DiffusionModels } from './sampler';
import { MAX_NODE_SEED, seedRandomNodes } from './seedRandomNodes';

type Session = Ort.InferenceSession;
type Metadata = Ort.InferenceSession.ValueMetadata;
type Dim = number | string;

/** A float tensor type the networks take. */
type FloatType = 'float32' | 'float16';

/** One input or output as the adapter uses it. */
interface Io {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly Dim[];
}

/** The sessions of one model folder on one provider, ready for the sampler. */
export interface OpenedNetworks extends DiffusionModels {
  readonly provider: ExecutionProvider;
  readonly fallbackReason: string | null;
  /** The batch size the UNet fixes, or null when its batch axis is dynamic. */
  readonly unetBatch: number | null;
  /** The latent [height, width] the UNet fixes, or null when they are dynamic. */
  readonly latentSize: readonly [number, number] | null;
  /** The token sequence length the text encoder fixes, or null. */
  readonly sequenceLength: number | null;
  /** Whether the VAE encoder samples its latents (an older export) rather than giving their mean. */
  readonly randomImageLatents: boolean;
  /**
   * Whether such an encoder's draw is seeded (encodeImage's seed): its random nodes are given the
   * seed in a fresh CPU session per encoding. False when its model cannot be loaded from bytes
   * (external data): then every encoding draws anew.
   */
  readonly seededImageLatents: boolean;
  /** The UNet's float type, for the memory estimate. */
  readonly floatType: FloatType;
  release(): Promise<void>;
}

/**
 * Opens the four sessions on `provider` (each falling back to the CPU, with the reason), and
 * checks their inputs and outputs. Throws EditorInputError for a network propsweep cannot drive.
 */
export async function openNetworks(
  ort: typeof Ort,
  folder: DiffusionFolder,
  provider: ExecutionProvider,
  deviceId: number | undefined,
  log: (message: string) => void,
): Promise<OpenedNetworks> {
  const opened: Partial<Record<Network, OpenedSession>> = {};
  try {
    for (const network of NETWORKS) {
      const path = folder.models[network];
      opened[network] = await openOrtSession(
        ort,
        path,
        provider,
        deviceId,
        log,
        (reason) =>
          new EditorInputError(
            `${path} is not a valid ONNX model (${reason}). Export the model again: ${EXPORT_COMMAND}.`,
          ),
      );
    }
    const sessions = opened as Record<Network, OpenedSession>;
    const fallback = NETWORKS.map((n) => sessions[n]).find((s) => s.fallbackReason !== null);
    const networks = adapt(ort, folder, {
      text: sessions.text_encoder.session,
      unet: sessions.unet.session,
      encoder: sessions.vae_encoder.session,
      decoder: sessions.vae_decoder.session,
    });
    const seededEncoder = networks.randomImageLatents
      ? await seededSessions(ort, folder.models.vae_encoder)
      : null;
    return {
      ...networks,
      seededImageLatents: seededEncoder !== null,
      encodeImage: (pixels, height, width, seed) =>
        seededEncoder === null || seed === undefined
          ? networks.encodeImage(pixels, height, width)
          : seededEncoder(seed, (encoder) =>
              networks.encodeImageWith(encoder, pixels, height, width),
            ),
      provider: fallback === undefined ? provider : 'cpu',
      fallbackReason: fallback?.fallbackReason ?? null,
      release: () => releaseAll(opened),
    };
  } catch (error) {
    await releaseAll(opened);
    throw error;
  }
}

/**
 * Sessions of an encoder whose random nodes are seeded (seedRandomNodes), one per encoding: an
 * onnxruntime kernel seeds its generator once per session, so only a fresh session repeats a draw.
 * On the CPU, whatever the provider: one encoding a path, and the same draw on every machine.
 * Null when the model cannot be loaded from its bytes (weights in external data) or has no random
 * node.
 */
async function seededSessions(
  ort: typeof Ort,
  path: string,
): Promise<(<T>(seed: number, use: (session: Session) => Promise<T>) => Promise<T>) | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, ENCODER_BYTES);
    const probe = seedRandomNodes(bytes, 0);
    if (probe.seeded === 0) return null;
    await (
      await ort.InferenceSession.create(probe.bytes, {
        executionProviders: ['cpu'],
        ...cpuSessionOptions(),
      })
    ).release();
  } catch {
    return null;
  }
  return async (seed, use) => {
    const { bytes: patched } = seedRandomNodes(bytes, seed % (MAX_NODE_SEED + 1));
    const session = await ort.InferenceSession.create(patched, {
      executionProviders: ['cpu'],
      ...cpuSessionOptions(),
    });
    try {
      return await use(session);
    } finally {
      await session.release();
    }
  };
}

/** An encoder loaded from its bytes, at most (ONNX protobuf's own limit; larger ones use external data). */
const ENCODER_BYTES = 2 * 1024 ** 3;

async function releaseAll(opened: Partial<Record<Network, OpenedSession>>): Promise<void> {
  await Promise.all(Object.values(opened).map((s) => s.session.release()));
}

interface Sessions {
  readonly text: Session;
  readonly unet: Session;
  readonly encoder: Session;
  readonly decoder: Session;
}

function adapt(
  ort: typeof Ort,
  folder: DiffusionFolder,
  sessions: Sessions,
): Omit<OpenedNetworks, 'provider' | 'fallbackReason' | 'release' | 'seededImageLatents'> & {
  /** encodeImage with another session of the encoder (a seeded one). */
  encodeImageWith(
    encoder: Session,
    pixels: Float32Array,
    height: number,
    width: number,
  ): Promise<Float32Array>;
} {
  const path = (network: Network): string => folder.models[network];
  // Text encoder: input_ids -> last_hidden_state.
  const ids = input(sessions.text, 'input_ids', path('text_encoder'), 2);
  if (ids.type !== 'int32' && ids.type !== 'int64') {
    throw refused(path('text_encoder'), `input_ids is ${ids.type}; it must be int32 or int64`);
  }
  const hiddenOut = output(sessions.text, ['last_hidden_state'], path('text_encoder'));
  const sequenceLength = fixed(ids.shape[1]);
  // VAE encoder: sample -> latent_parameters (mean, log-variance) or latent_sample (sampled).
  const pixelsIn = input(sessions.encoder, 'sample', path('vae_encoder'), 4);
  const latentOut = output(
    sessions.encoder,
    ['latent_parameters', 'latent_sample', 'latent_dist'],
    path('vae_encoder'),
  );
  const randomImageLatents = latentOut.name === 'latent_sample';
  // UNet: sample (8 channels), timestep, encoder_hidden_states -> out_sample.
  const unetIn = input(sessions.unet, 'sample', path('unet'), 4);
  const unetFloat = floatType(unetIn, path('unet'));
  const channels = fixed(unetIn.shape[1]);
  if (channels !== null && channels !== 8) {
    throw new EditorInputError(
      `${path('unet')} takes ${channels}-channel latents; an instruction editor's UNet takes 8 (4 noisy latents and 4 of the source image). Export an InstructPix2Pix model: ${EXPORT_COMMAND}.`,
    );
  }
  const timestepIn = input(sessions.unet, 'timestep', path('unet'));
  const statesIn = input(sessions.unet, 'encoder_hidden_states', path('unet'), 3);
  const extra = sessions.unet.inputMetadata
    .map((m) => m.name)
    .filter((n) => ![unetIn.name, timestepIn.name, statesIn.name].includes(n));
  if (extra.length > 0) {
    throw refused(
      path('unet'),
      `it also takes ${extra.join(', ')} (an SDXL-style UNet); propsweep drives Stable Diffusion 1.x InstructPix2Pix UNets`,
    );
  }
  const noiseOut = output(sessions.unet, ['out_sample'], path('unet'));
  const unetBatch = fixed(unetIn.shape[0]);
  const lh = fixed(unetIn.shape[2]);
  const lw = fixed(unetIn.shape[3]);
  const latentSize: readonly [number, number] | null = lh !== null && lw !== null ? [lh, lw] : null;
  // VAE decoder: latent_sample -> sample.
  const latentIn = input(sessions.decoder, 'latent_sample', path('vae_decoder'), 4);
  const imageOut = output(sessions.decoder, ['sample'], path('vae_decoder'));

  for (const [io, network] of [
    [pixelsIn, 'vae_encoder'],
    [statesIn, 'unet'],
    [latentIn, 'vae_decoder'],
  ] as const) {
    floatType(io, path(network));
  }
  const floats = (io: Io, data: Float32Array, dims: readonly number[]): Ort.Tensor =>
    io.type === 'float16'
      ? new ort.Tensor('float16', toFloat16Array(data), dims)
      : new ort.Tensor('float32', data, dims);

  // [sequence, width] of the hidden states, learnt from the text encoder's first answer.
  let hiddenDims: readonly [number, number] | undefined;

  const encodeImageWith = async (
    encoder: Session,
    pixels: Float32Array,
    height: number,
    width: number,
  ): Promise<Float32Array> => {
    const result = await encoder.run({
      [pixelsIn.name]: floats(pixelsIn, pixels, [1, 3, height, width]),
    });
    const { values, dims } = floatData(result, latentOut, path('vae_encoder'));
    const plane = (height / 8) * (width / 8);
    if (dims[0] !== 1 || (dims[1] !== 8 && dims[1] !== 4) || values.length !== dims[1] * plane) {
      throw refused(
        path('vae_encoder'),
        `${latentOut.name} came back as [${dims.join(', ')}] for a ${width}x${height} image; expected [1, 8 or 4, ${height / 8}, ${width / 8}]`,
      );
    }
    // latent_parameters holds the mean in its first 4 channels, the log-variance after.
    return values.slice(0, 4 * plane);
  };

  return {
    unetBatch,
    latentSize,
    sequenceLength,
    randomImageLatents,
    floatType: unetFloat,
    async encodeText(rows) {
      const length = rows[0]?.length ?? 0;
      const out: Float32Array[] = [];
      // One row a run when the batch is fixed at 1 (some exports), else all rows at once.
      const per = fixed(ids.shape[0]) === 1 ? 1 : rows.length;
      for (let at = 0; at < rows.length; at += per) {
        const chunk = rows.slice(at, at + per);
        const flat = new Int32Array(chunk.length * length);
        chunk.forEach((row, r) => {
          flat.set(row, r * length);
        });
        const dims = [chunk.length, length];
        const tensor =
          ids.type === 'int64'
            ? new ort.Tensor(
                'int64',
                BigInt64Array.from(flat, (v) => BigInt(v)),
                dims,
              )
            : new ort.Tensor('int32', flat, dims);
        const result = await sessions.text.run({ [ids.name]: tensor });
        const { values, dims: got } = floatData(result, hiddenOut, path('text_encoder'));
        if (got.length !== 3 || got[0] !== chunk.length || got[1] !== length) {
          throw refused(
            path('text_encoder'),
            `${hiddenOut.name} came back as [${got.join(', ')}]; expected [${chunk.length}, ${length}, width]`,
          );
        }
        hiddenDims = [length, got[2] ?? 0];
        out.push(values);
      }
      return concat(out);
    },
    encodeImage: (pixels, height, width) =>
      encodeImageWith(sessions.encoder, pixels, height, width),
    encodeImageWith,
    async denoise(sample, timestep, hidden, batch, h, w) {
      if (hiddenDims === undefined) throw new Error('denoise before encodeText');
      const size = unetBatch ?? batch;
      if (batch > size) throw new RangeError(`a UNet batch of ${batch} exceeds its fixed ${size}`);
      const padded = (data: Float32Array): Float32Array => {
        if (size === batch) return data;
        const out = new Float32Array((data.length / batch) * size);
        out.set(data);
        return out;
      };
      const result = await sessions.unet.run({
        [unetIn.name]: floats(unetIn, padded(sample), [size, 8, h, w]),
        [timestepIn.name]: timestepTensor(ort, timestepIn, timestep, size, path('unet')),
        [statesIn.name]: floats(statesIn, padded(hidden), [size, ...hiddenDims]),
      });
      const { values } = floatData(result, noiseOut, path('unet'));
      const wanted = batch * 4 * h * w;
      if (values.length < wanted) {
        throw refused(path('unet'), `${noiseOut.name} has ${values.length} values for ${wanted}`);
      }
      return values.subarray(0, wanted);
    },
    async decode(latents, batch, h, w) {
      const result = await sessions.decoder.run({
        [latentIn.name]: floats(latentIn, latents, [batch, 4, h, w]),
      });
      return floatData(result, imageOut, path('vae_decoder')).values;
    },
  };
}

function refused(path: string, why: string): EditorInputError {
  return new EditorInputError(
    `${path} does not look like a network of an InstructPix2Pix export: ${why}. Export the model again: ${EXPORT_COMMAND}.`,
  );
}

function describe(m: Metadata): Io {
  return m.isTensor
    ? { name: m.name, type: m.type, shape: m.shape }
    : { name: m.name, type: 'not a tensor', shape: [] };
}

/** The input named `name` (or the only input), of rank `rank` when given. */
function input(session: Session, name: string, path: string, rank?: number): Io {
  const all = session.inputMetadata.map(describe);
  const found = all.find((m) => m.name === name) ?? (all.length === 1 ? all[0] : undefined);
  if (found === undefined) {
    throw refused(
      path,
      `it has no input "${name}" (its inputs: ${all.map((m) => m.name).join(', ')})`,
    );
  }
  if (rank !== undefined && found.shape.length !== rank) {
    throw refused(path, `its input ${found.name} has rank ${found.shape.length}; expected ${rank}`);
  }
  return found;
}

/** The first output with one of `names` (or the first output when none matches). */
function output(session: Session, names: readonly string[], path: string): Io {
  const all = session.outputMetadata.map(describe);
  const found = names.map((n) => all.find((m) => m.name === n)).find((m) => m !== undefined);
  const chosen = found ?? (all.length === 1 ? all[0] : undefined);
  if (chosen === undefined) {
    throw refused(
      path,
      `it has no output ${names.join(' or ')} (its outputs: ${all.map((m) => m.name).join(', ')})`,
    );
  }
  if (chosen.type !== 'float32' && chosen.type !== 'float16') {
    throw refused(path, `its output ${chosen.name} is ${chosen.type}; expected float32 or float16`);
  }
  return chosen;
}

function fixed(dim: Dim | undefined): number | null {
  return typeof dim === 'number' && dim > 0 ? dim : null;
}

function floatType(io: Io, path: string): FloatType {
  if (io.type === 'float32' || io.type === 'float16') return io.type;
  throw refused(path, `its input ${io.name} is ${io.type}; expected float32 or float16`);
}

/**
 * The timestep as the UNet declares it: a 0-d scalar or a [batch] vector, in its float type or
 * int64/int32 (older exports; fractional Euler timesteps are truncated, as numpy's astype does).
 */
function timestepTensor(
  ort: typeof Ort,
  io: Io,
  timestep: number,
  batch: number,
  path: string,
): Ort.Tensor {
  if (io.shape.length > 1) {
    throw refused(path, `its timestep has rank ${io.shape.length}; expected a scalar or [batch]`);
  }
  const dims = io.shape.length === 0 ? [] : [fixed(io.shape[0]) ?? batch];
  const count = dims.length === 0 ? 1 : (dims[0] ?? 1);
  switch (io.type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(count).fill(timestep), dims);
    case 'float16':
      return new ort.Tensor(
        'float16',
        toFloat16Array(new Float32Array(count).fill(timestep)),
        dims,
      );
    case 'int64':
      return new ort.Tensor(
        'int64',
        new BigInt64Array(count).fill(BigInt(Math.trunc(timestep))),
        dims,
      );
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(count).fill(Math.trunc(timestep)), dims);
    default:
      throw refused(path, `its timestep is ${io.type}; expected a float or int64`);
  }
}

/**
 * A network answered NaN or an infinity. On the CPU the model is at fault; on a GPU it may be the
 * provider's (float16 kernels that overflow where the CPU's float32 does not), so the path is made
 * again on the CPU before the model is blamed.
 */
export class NonFiniteOutputError extends EditorInputError {
  constructor(
    /** "PATH answered NaN (out_sample[0])": what happened, without the advice. */
    readonly what: string,
    advice: string,
  ) {
    super(`${what}; ${advice}`);
  }
}

/** An output's values as float32 (float16 bit patterns converted), with its dims. */
function floatData(
  result: Ort.InferenceSession.OnnxValueMapType,
  io: Io,
  path: string,
): { values: Float32Array; dims: readonly number[] } {
  const tensor = result[io.name];
  if (tensor === undefined) throw refused(path, `it returned no ${io.name}`);
  const values = floatTensorValues(tensor);
  if (values === null) throw refused(path, `its ${io.name} came back as ${tensor.type}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new NonFiniteOutputError(
        `${path} produced ${String(values[i])} (${io.name}[${i}])`,
        `the editor model is broken${tensor.type === 'float16' ? ' or overflows in float16 (try the float32 export)' : ''}. Export it again: ${EXPORT_COMMAND}.`,
      );
    }
  }
  return { values, dims: tensor.dims };
}

function concat(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
