// The classifier flags shared by explain and track: ONNX files (--model), the user's own command
// with its checkpoints (--model-command, --checkpoint) and CLIP models with prompts (--clip-model,
// --prompts), each repeatable, turned into the child's model specs.
import { resolve } from 'node:path';

import type { ModelSpec, PreprocessOverrides } from '../shared/childProtocol';
import { numberFlag, UsageError } from './args';
import { shellWords } from '../shared/shellWords';

/** parseArgs options of the classifier flags. */
export const MODEL_OPTIONS = {
  model: { type: 'string', multiple: true },
  'model-command': { type: 'string', multiple: true },
  checkpoint: { type: 'string', multiple: true },
  'hello-timeout': { type: 'string' },
  'batch-timeout': { type: 'string' },
  'clip-model': { type: 'string', multiple: true },
  prompts: { type: 'string', multiple: true },
  'clip-output': { type: 'string' },
} as const;

/** The help lines of the classifier flags. */
export const MODEL_HELP = `Classifiers (each repeatable; at least one):
  --model A.onnx        an ONNX image classifier (its sidecar A.json gives the preprocessing)
  --model-command CMD   your own classifier process, e.g. "python predict.py --checkpoint
                        {checkpoint}" (split like a shell would, run without one; README
                        "Classifier commands" has the protocol and a PyTorch script)
  --checkpoint FILE     the checkpoint for {checkpoint}: one per --model-command, or several for
                        one command (each checkpoint becomes a classifier)
  --hello-timeout S     seconds a command may take to start (default 120)
  --batch-timeout S     seconds a command may take per batch of images (default 600)
  --clip-model DIR      a CLIP model exported for zero-shot image classification, with
  --prompts FILE        its prompts, one per line ("cat: a photo of a cat"; one file for every
                        --clip-model, or one each)
  --clip-output O       softmax (default: probabilities over classes) or similarity (cosine
                        similarity per prompt, as the paper plots)`;

/** The values of MODEL_OPTIONS as parseArgs gives them. */
export interface ModelFlagValues {
  readonly model?: readonly string[] | undefined;
  readonly 'model-command'?: readonly string[] | undefined;
  readonly checkpoint?: readonly string[] | undefined;
  readonly 'hello-timeout'?: string | undefined;
  readonly 'batch-timeout'?: string | undefined;
  readonly 'clip-model'?: readonly string[] | undefined;
  readonly prompts?: readonly string[] | undefined;
  readonly 'clip-output'?: string | undefined;
}

/** The model specs the flags give, in the order ONNX, commands, CLIP; refuses what does not pair. */
export function modelSpecsFrom(
  values: ModelFlagValues,
  overrides: PreprocessOverrides | undefined,
): ModelSpec[] {
  const onnx: ModelSpec[] = (values.model ?? []).map((path) => ({
    path: resolve(path),
    ...(overrides !== undefined && { overrides }),
  }));
  const specs = [...onnx, ...commandSpecs(values), ...clipSpecs(values)];
  if (specs.length === 0) {
    throw new UsageError(
      'give at least one classifier: --model MODEL.onnx, --model-command CMD (with --checkpoint FILE), or --clip-model DIR with --prompts FILE.',
    );
  }
  return specs;
}

function commandSpecs(values: ModelFlagValues): ModelSpec[] {
  const commands = (values['model-command'] ?? []).map((line) => {
    let words: string[];
    try {
      words = shellWords(line);
    } catch (error) {
      throw new UsageError(`--model-command "${line}": ${(error as Error).message}.`);
    }
    if (words.length === 0) throw new UsageError('--model-command needs a command, got nothing.');
    return words;
  });
  const checkpoints = (values.checkpoint ?? []).map((path) => resolve(path));
  const timeouts = {
    ...seconds(values['hello-timeout'], 'hello-timeout', 'helloSeconds'),
    ...seconds(values['batch-timeout'], 'batch-timeout', 'batchSeconds'),
  };
  if (commands.length === 0) {
    if (checkpoints.length > 0) throw new UsageError('--checkpoint belongs to a --model-command.');
    if (Object.keys(timeouts).length > 0) {
      throw new UsageError('--hello-timeout and --batch-timeout belong to a --model-command.');
    }
    return [];
  }
  const pairs: [string[], string | undefined][] =
    checkpoints.length === 0
      ? commands.map((c) => [c, undefined])
      : commands.length === checkpoints.length
        ? commands.map((c, i) => [c, checkpoints[i]])
        : commands.length === 1
          ? checkpoints.map((k) => [commands[0] ?? [], k])
          : [];
  if (pairs.length === 0) {
    throw new UsageError(
      `${commands.length} --model-command and ${checkpoints.length} --checkpoint do not pair: give one checkpoint per command, or one command for several checkpoints.`,
    );
  }
  return pairs.map(([command, checkpoint]) => {
    const named = command.some((word) => word.includes('{checkpoint}'));
    if (named && checkpoint === undefined) {
      throw new UsageError(
        `--model-command "${command.join(' ')}" names {checkpoint}: give the file with --checkpoint FILE.`,
      );
    }
    return {
      kind: 'command' as const,
      command,
      ...(checkpoint !== undefined && { checkpoint }),
      ...timeouts,
    };
  });
}

function clipSpecs(values: ModelFlagValues): ModelSpec[] {
  const models = (values['clip-model'] ?? []).map((path) => resolve(path));
  const prompts = (values.prompts ?? []).map((path) => resolve(path));
  const given = values['clip-output'];
  if (given !== undefined && given !== 'softmax' && given !== 'similarity') {
    throw new UsageError(`--clip-output must be softmax or similarity, got "${given}".`);
  }
  const output: 'softmax' | 'similarity' | undefined = given;
  if (models.length === 0) {
    if (prompts.length > 0 || output !== undefined) {
      throw new UsageError('--prompts and --clip-output belong to a --clip-model.');
    }
    return [];
  }
  if (prompts.length !== 1 && prompts.length !== models.length) {
    throw new UsageError(
      prompts.length === 0
        ? '--clip-model needs its prompts: --prompts FILE (one per line, "cat: a photo of a cat").'
        : `${models.length} --clip-model and ${prompts.length} --prompts do not pair: give one prompts file for all, or one each.`,
    );
  }
  return models.map((path, i) => ({
    kind: 'clip' as const,
    path,
    prompts: prompts[prompts.length === 1 ? 0 : i] ?? '',
    ...(output !== undefined && { output }),
  }));
}

function seconds(
  value: string | undefined,
  flag: string,
  key: 'helloSeconds' | 'batchSeconds',
): Partial<Record<'helloSeconds' | 'batchSeconds', number>> {
  const n = numberFlag(value, flag);
  if (n === undefined) return {};
  if (!(n > 0 && n <= 86_400)) {
    throw new UsageError(`--${flag} must be more than 0 and at most 86400 seconds, got ${n}.`);
  }
  return { [key]: n };
}
