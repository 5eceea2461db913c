import type { ErrorHelpTopic } from '../../shared/childProtocol';
import type { ExecutionProvider } from '../../shared/executionProviders';
import type { ContentRecord, EditorRunRecord } from '../../shared/resultFile';
import type { GrayImage, RgbImage } from '../images/image';

/** Parameter values as given on the command line or in settings (`--param k=v`). */
export type EditorParams = Readonly<Record<string, string | number | boolean>>;

/** What an editor needs besides the source image. */
export interface EditInput {
  readonly source: RgbImage;
  /** Edited region (255 inside) for masked editors; same size as the source. */
  readonly mask?: GrayImage | undefined;
  readonly params: EditorParams;
  /** Seed for editors with randomness (noise); the same seed is used for every step. */
  readonly seed: number;
  /** Where and how model-based editors run, and where they say what they did. */
  readonly runtime?: EditorRuntime | undefined;
}

/** What a model-based editor (the diffusion editor) needs of the process that runs it. */
export interface EditorRuntime {
  /** The execution provider to try first; the CPU is the fallback. */
  readonly provider: ExecutionProvider;
  readonly deviceId?: number | undefined;
  /** Memory the editor may plan its batches with, in MiB. */
  readonly memoryBudgetMB?: number | undefined;
  readonly log: (message: string) => void;
  /** Progress within the editing (denoising steps), with a message that may carry the time left. */
  readonly progress: (message: string, done: number, total: number) => void;
  /** Called once when the editor has made its frames: what it did, for the result. */
  readonly report: (record: EditorRunRecord) => void;
}

/** One image on the path. */
export interface EditedFrame {
  readonly image: RgbImage;
  /** The editor's strength s_k (t in [0, 1] for parametric editors). */
  readonly strength: number;
  /** The editor parameter this strength maps to (e.g. brightness factor 1.36), for the report. */
  readonly parameter: number;
}

/**
 * Turns a source image into a path of images in which one property changes step by step.
 * `edit` yields one frame per strength so the caller can cache, report progress and stop between
 * steps (cancellation is checked by the caller and through `signal`).
 */
export interface ImageEditor {
  /** Stable id used on the command line and in cache keys: 'brightness', 'recolor', ... */
  readonly id: string;
  /** One line for people: "Masked recolour toward a target colour". */
  readonly title: string;
  /** Whether strength 0 reproduces the source (parametric edits): then the source is on the path. */
  readonly identityAtZero: boolean;
  /**
   * Whether the frames are recorded images (a sequence), the first of them the source: they are
   * files already, and the source is on the path although no strength reproduces it.
   */
  readonly recorded?: boolean;
  /**
   * Whether the path depends on the seed (noise, a diffusion model): only then does making it with
   * several seeds (explain --seeds K) show the editor's own noise floor.
   */
  readonly random?: boolean;
  /** Whether the editor needs a mask. */
  readonly needsMask: boolean;
  /** Name and unit of the parameter that the strength maps to ("factor", "degrees", "alpha"). */
  readonly parameterName: string;
  /**
   * Whether rendering a frame costs less than decoding its cached PNG (per-pixel edits in
   * TypeScript). The pipeline then renders every frame and writes its PNGs straight into the
   * result, never into the frame cache; otherwise (blur, recorded sequences, model-based editors)
   * it caches them and decodes them on the next run.
   */
  readonly cheap: boolean;
  /** Checks and completes the parameters (defaults filled in); throws EditorInputError. */
  resolveParams(params: EditorParams): EditorParams;
  /**
   * Yields one frame per strength, in the order given. Parametric editors take t in [0, 1] and
   * resolve `input.params` themselves; recorded editors (sequence) take only strengths from
   * `strengthsFor`. Bad input: EditorInputError, or ImageInputError for a file it reads.
   */
  edit(
    input: EditInput,
    strengths: readonly number[],
    signal?: AbortSignal,
  ): AsyncIterable<EditedFrame>;
  /**
   * Added for the pipeline: the period of the property in strength units when the path can go
   * all the way round (rotation and hue with |degrees| >= 360: 360 / |degrees|; a sequence's
   * `period`), else undefined. Sample strengths in [0, period) and pass it to the measures.
   */
  periodOf?(params: EditorParams): number | undefined;
  /**
   * Added for the pipeline: editors of recorded data (sequence) return the strengths of their
   * frames, sorted, and editors in their own units (the diffusion editor's text guidance) `steps`
   * strengths; the pipeline uses them instead of its own grid and passes them to `edit`.
   */
  strengthsFor?(params: EditorParams, steps: number): Promise<number[]>;
  /**
   * Added for the frame cache: the digest of the content of the files the parameters name (an
   * overlay, a model folder), each file's too for the result, or null when they name none. A
   * parameter holds a file's name, not its bytes; without this, a frame cached before the file
   * changed would be shown and saved while the classifiers saw the new one. `digestStore`: a
   * file where digests of large files are kept between runs (FileDigests).
   */
  fingerprint?(
    params: EditorParams,
    signal?: AbortSignal,
    digestStore?: string,
  ): Promise<ContentRecord | null>;
}

/** Where the user can read how to fix an error, beyond its message (shared/childProtocol). */
export type ErrorHelp = ErrorHelpTopic;

/**
 * A bad editor id, parameter, mask or sequence: the message says what to give instead. `help`
 * names a longer explanation ('editor-model': how to export a diffusion model), which VS Code
 * offers as a button.
 */
export class EditorInputError extends Error {
  override readonly name = 'EditorInputError';
  readonly help: ErrorHelp | undefined;

  constructor(message: string, options?: { readonly help?: ErrorHelp }) {
    super(message);
    this.help = options?.help;
  }
}
