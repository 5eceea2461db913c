// An InstructPix2Pix-family model folder in the layout of Hugging Face optimum's ONNX export:
// checked before any session opens (everything missing listed at once, with the export command),
// its small JSON configs read and bounded, and its files fingerprinted for the frame cache and the
// result. A folder can come from a workspace setting: every file is read through the bounded reader.
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { shown } from '../../../shared/coerce';
import { InvalidJsonError, readJsonIfPresent } from '../../files/boundedFiles';
import { filesStamp, type FileDigests } from '../../files/fileDigests';
import { contentRecord } from '../parametric';
import { EditorInputError } from '../types';
import type { ContentFile, ContentRecord } from '../../../shared/resultFile';

/** The command that makes such a folder (README "Diffusion editor models"). */
export const EXPORT_COMMAND =
  'optimum-cli export onnx --model timbrooks/instruct-pix2pix --task image-to-image DIR (add --dtype fp16 for a GPU)';

/** The four networks of the folder, each `NAME/model.onnx`. */
export const NETWORKS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;

/** One of the four networks. */
export type Network = (typeof NETWORKS)[number];

/** The VAE scaling factor of Stable Diffusion 1.x, assumed when the VAE's config.json lacks one. */
export const SD1_SCALING_FACTOR = 0.18215;

/** A checked model folder. */
export interface DiffusionFolder {
  readonly root: string;
  readonly models: Readonly<Record<Network, string>>;
  readonly tokenizer: string;
  readonly schedulerConfig: string;
  /** latents = VAE mean * scalingFactor for the UNet; divided again before decoding. */
  readonly scalingFactor: number;
  /** What was assumed, for the result's notes. */
  readonly notes: readonly string[];
}

const CONFIG_BYTES = 1024 * 1024;
/** A single network's weights (the fp32 UNet is 3.4 GB; external data may hold all of it). */
const WEIGHT_BYTES = 16 * 1024 ** 3;
/** Files hashed at most: a real export has about twenty. */
const MAX_FILES = 256;
/** The folders whose files make the edit (safety_checker and feature_extractor do not). */
const CONTENT_FOLDERS = [...NETWORKS, 'tokenizer', 'scheduler'] as const;

/**
 * Checks that `root` holds an InstructPix2Pix export: the four networks, a tokenizer (tokenizer.json,
 * or vocab.json with merges.txt) and the scheduler's config; reads the VAE's scaling factor and the
 * UNet's input channels when its config says them. Throws EditorInputError listing everything
 * missing and how to export a folder.
 */
export async function openDiffusionFolder(root: string): Promise<DiffusionFolder> {
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new EditorInputError(
      `The editor model ${root} ${info === undefined ? 'does not exist' : 'is not a folder'}. Give the folder of an ONNX export of an InstructPix2Pix model, made with: ${EXPORT_COMMAND}.`,
    );
  }
  const present = async (file: string): Promise<boolean> =>
    (await stat(join(root, file)).catch(() => undefined))?.isFile() === true;
  const missing: string[] = [];
  for (const network of NETWORKS) {
    if (!(await present(`${network}/model.onnx`))) missing.push(`${network}/model.onnx`);
  }
  const tokenizerJson = await present('tokenizer/tokenizer.json');
  if (!tokenizerJson) {
    const bpe = ['tokenizer/vocab.json', 'tokenizer/merges.txt'];
    const have = await Promise.all(bpe.map(present));
    if (!have.every(Boolean)) {
      missing.push(
        `tokenizer/tokenizer.json (or ${bpe.filter((_, i) => have[i] !== true).join(' and ')})`,
      );
    }
  }
  if (!(await present('scheduler/scheduler_config.json'))) {
    missing.push('scheduler/scheduler_config.json');
  }
  if (missing.length > 0) {
    const foreign = missing.length >= NETWORKS.length;
    throw new EditorInputError(
      `${root} ${foreign ? 'is not an ONNX export of a diffusion model' : 'is an incomplete diffusion model export'}: it lacks ${missing.join(', ')}. Export the whole model with: ${EXPORT_COMMAND}.`,
    );
  }
  // Config values are quoted with shown: short, and JSON.stringify overflows on deep nesting.
  const notes: string[] = [];
  const unetConfig = await readConfig(root, 'unet/config.json');
  const channels = unetConfig?.in_channels;
  if (channels !== undefined && channels !== 8) {
    throw new EditorInputError(
      `${root} is not an instruction editor: its UNet takes ${shown(channels)} input channels (unet/config.json in_channels), and InstructPix2Pix's takes 8 (4 noisy latents and 4 of the source image). Export an InstructPix2Pix model, e.g. ${EXPORT_COMMAND}.`,
    );
  }
  let vaeFile = 'vae_decoder/config.json';
  let vaeConfig = await readConfig(root, vaeFile);
  if (vaeConfig === undefined) {
    vaeFile = 'vae_encoder/config.json';
    vaeConfig = await readConfig(root, vaeFile);
  }
  let scalingFactor = SD1_SCALING_FACTOR;
  const given = vaeConfig?.scaling_factor;
  if (given === undefined) {
    notes.push(
      `The VAE's config.json gives no scaling_factor; assumed ${SD1_SCALING_FACTOR} (Stable Diffusion 1.x).`,
    );
  } else if (typeof given === 'number' && Number.isFinite(given) && given > 0 && given < 100) {
    scalingFactor = given;
  } else {
    throw new EditorInputError(
      `${join(root, vaeFile)}: scaling_factor must be a positive number (Stable Diffusion 1.x uses ${SD1_SCALING_FACTOR}), got ${shown(given)}. Export the model again.`,
    );
  }
  return {
    root,
    models: Object.fromEntries(
      NETWORKS.map((network) => [network, join(root, network, 'model.onnx')]),
    ) as Record<Network, string>,
    tokenizer: join(root, 'tokenizer'),
    schedulerConfig: join(root, 'scheduler', 'scheduler_config.json'),
    scalingFactor,
    notes,
  };
}

/** A JSON object config of the folder, or undefined when the file is absent. */
async function readConfig(
  root: string,
  file: string,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const path = join(root, file);
  let parsed: unknown;
  try {
    parsed = await readJsonIfPresent(path, CONFIG_BYTES);
  } catch (error) {
    throw new EditorInputError(
      error instanceof InvalidJsonError
        ? `${path} is not valid JSON (${error.message}). Export the model again.`
        : `Cannot read ${path}: ${describe(error)}. Export the model again.`,
    );
  }
  if (parsed === undefined) return undefined;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EditorInputError(`${path} is not a JSON object. Export the model again.`);
  }
  return parsed as Record<string, unknown>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The files that can change an edit (those fingerprintFolder hashes), sorted. */
async function contentPaths(folder: DiffusionFolder): Promise<string[]> {
  const paths: string[] = [];
  if ((await stat(join(folder.root, 'model_index.json')).catch(() => undefined))?.isFile()) {
    paths.push(join(folder.root, 'model_index.json'));
  }
  for (const sub of CONTENT_FOLDERS) {
    const dir = join(folder.root, sub);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      // Regular files and links to them (a Hugging Face cache links its snapshots to blobs).
      if (entry.isFile() || entry.isSymbolicLink()) paths.push(join(dir, entry.name));
    }
    if (paths.length > MAX_FILES) {
      throw new EditorInputError(
        `${folder.root} holds more than ${MAX_FILES} files in its model folders; an export has about twenty. Give the folder of one export.`,
      );
    }
  }
  return paths.sort();
}

/**
 * What the files that make an edit are now, cheaply: each one's path, size, modification time and
 * inode (links followed). A model exported again into the same folder changes it, so that networks
 * and tokenizer kept loaded from the old files are not used for the new ones.
 */
export async function folderSignature(folder: DiffusionFolder): Promise<string> {
  return filesStamp(folder.root, await contentPaths(folder));
}

/**
 * The digest of every file that can change an edit (the networks with their external data and
 * configs, the tokenizer, the scheduler, model_index.json), each hashed once per change; each
 * file named by its path in the folder, with forward slashes.
 */
export async function fingerprintFolder(
  folder: DiffusionFolder,
  digests: FileDigests,
  signal?: AbortSignal,
): Promise<ContentRecord> {
  const paths = await contentPaths(folder);
  const files: ContentFile[] = [];
  for (const path of paths) {
    signal?.throwIfAborted();
    try {
      const { sha256, bytes } = await digests.digest(path, WEIGHT_BYTES);
      files.push({ name: relative(folder.root, path).split(/[\\/]/).join('/'), bytes, sha256 });
    } catch (error) {
      throw new EditorInputError(
        `Cannot read ${path} of the editor model: ${describe(error)}. Check the folder, or export the model again.`,
      );
    }
  }
  await digests.flush();
  return contentRecord(files);
}
