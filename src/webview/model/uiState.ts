// The panel's own state (what the user selected, not what the host sent), saved with
// vscode.setState so a reload or a hidden-and-shown panel comes back as it was. getState returns
// whatever was stored, possibly by an older build: parsed and checked here. Pure: runs in Node.
import type { ResultFile } from '../../shared/resultFile';
import { clampStep } from './steps';

/** How the selected frame is shown. */
export type ViewMode = 'frame' | 'onion' | 'difference';

/** The view modes, in the order of the radio buttons. */
export const VIEW_MODES: readonly ViewMode[] = ['frame', 'onion', 'difference'];

/** Everything the user chose in the panel. */
export interface UiState {
  readonly version: 1;
  /** Selected step; null until the user picks one (then the initial step is used). */
  readonly step: number | null;
  readonly mode: ViewMode;
  /** Opacity of the frame over the source in onion mode, 0..1. */
  readonly opacity: number;
  /** Output keys picked in the legend; null: the top ones. */
  readonly shownOutputs: readonly string[] | null;
  readonly showAllOutputs: boolean;
  /** Model names hidden from the chart. */
  readonly hiddenModels: readonly string[];
  /** Model names whose per-output table is open. */
  readonly openTables: readonly string[];
  /** Checkpoints (model names) of a track whose curves are overlaid; empty: the newest. */
  readonly overlaid: readonly string[];
  /** The training-dynamics chart's EPGM axis is logarithmic. */
  readonly logEpgm: boolean;
}

/** The state of a panel opened for the first time. */
export function defaultUiState(): UiState {
  return {
    version: 1,
    step: null,
    mode: 'frame',
    opacity: 0.5,
    shownOutputs: null,
    showAllOutputs: false,
    hiddenModels: [],
    openTables: [],
    overlaid: [],
    logEpgm: false,
  };
}

const MAX_KEYS = 10_000;

function stringList(x: unknown): string[] | null {
  return Array.isArray(x) && x.length <= MAX_KEYS && x.every((s) => typeof s === 'string')
    ? x
    : null;
}

/** The stored state if it is one, field by field; defaults for anything missing or malformed. */
export function parseUiState(stored: unknown): UiState {
  const d = defaultUiState();
  if (typeof stored !== 'object' || stored === null) return d;
  const s = stored as Record<string, unknown>;
  if (s.version !== 1) return d;
  const step = s.step;
  const opacity = s.opacity;
  return {
    version: 1,
    step: typeof step === 'number' && Number.isInteger(step) && step >= 0 ? step : null,
    mode: VIEW_MODES.find((m) => m === s.mode) ?? d.mode,
    opacity: typeof opacity === 'number' && opacity >= 0 && opacity <= 1 ? opacity : d.opacity,
    shownOutputs: s.shownOutputs === null ? null : stringList(s.shownOutputs),
    showAllOutputs: typeof s.showAllOutputs === 'boolean' ? s.showAllOutputs : d.showAllOutputs,
    hiddenModels: stringList(s.hiddenModels) ?? [],
    openTables: stringList(s.openTables) ?? [],
    overlaid: stringList(s.overlaid) ?? [],
    logEpgm: typeof s.logEpgm === 'boolean' ? s.logEpgm : d.logEpgm,
  };
}

/** The state fitted to a (new) result: the step clamped, models that no longer exist forgotten. */
export function reconcileUiState(state: UiState, result: ResultFile): UiState {
  const names = new Set(result.models.map((m) => m.name));
  const hiddenModels = state.hiddenModels.filter((n) => names.has(n));
  return {
    ...state,
    step: state.step === null ? null : clampStep(state.step, result.frames.length),
    // Never hide every model: an empty chart looks broken.
    hiddenModels: hiddenModels.length >= names.size ? [] : hiddenModels,
    openTables: state.openTables.filter((n) => names.has(n)),
    overlaid: state.overlaid.filter((n) => names.has(n)),
  };
}
