// The training-dynamics view of a track result (propsweep track, Watch Checkpoints): one point per
// checkpoint in training order, x its epoch or step (else its place in the order), with the EPGM,
// the p-value and the flips of that checkpoint's classifier on the same edited path. Which
// checkpoints' prediction curves the curve chart overlays is also decided here: the newest by
// default, the ones the user clicked otherwise. Pure: runs in Node tests.
import { baseName } from '../../shared/checkpoints';
import type { ResultFile, TrackRecord } from '../../shared/resultFile';
import { nearestStep } from './steps';

/** One checkpoint's point. */
export interface DynamicsPoint {
  /** Its model's index in result.models. */
  readonly model: number;
  /** Its model's name (what the curve chart and the legend call it). */
  readonly name: string;
  /** The checkpoint's file name. */
  readonly file: string;
  readonly x: number;
  readonly epgm: number;
  readonly p: number;
  /** Prediction flips along the path (0 when the model's outputs have no classes). */
  readonly flips: number;
  readonly significant: boolean;
}

/** What the dynamics chart draws. */
export interface DynamicsView {
  readonly points: readonly DynamicsPoint[];
  /** The x axis: "epoch", "step" or "checkpoint" (the place in the order, from 1). */
  readonly xTitle: string;
  /** Whether a log EPGM axis is offered: every EPGM positive, spanning at least 10x. */
  readonly logUseful: boolean;
  readonly alpha: number;
}

/** The view of a result's track, or null when it has none (or it does not match its models). */
export function dynamicsView(result: ResultFile, alpha: number): DynamicsView | null {
  const track = result.track;
  if (track === undefined || track.checkpoints.length !== result.models.length) return null;
  const points = result.models.map((model, m): DynamicsPoint => {
    const checkpoint = track.checkpoints[m];
    return {
      model: m,
      name: model.name,
      file: baseName(checkpoint?.file ?? model.name),
      x: xOf(track, m),
      epgm: model.measure.epgm,
      p: model.measure.p_value,
      flips: model.measure.flips ?? 0,
      significant: model.measure.p_value <= alpha,
    };
  });
  const epgms = points.map((p) => p.epgm);
  const positive = epgms.length > 0 && epgms.every((e) => Number.isFinite(e) && e > 0);
  return {
    points,
    xTitle: track.order === 'mtime' ? 'checkpoint' : track.order,
    logUseful: positive && Math.max(...epgms) >= 10 * Math.min(...epgms),
    alpha,
  };
}

/** Checkpoint m's x: its epoch or step by the track's order, else its place (from 1). */
function xOf(track: TrackRecord, m: number): number {
  const c = track.checkpoints[m];
  const counter = track.order === 'epoch' ? c?.epoch : track.order === 'step' ? c?.step : null;
  return counter ?? m + 1;
}

/**
 * The models whose curves are hidden in the curve chart: all but the `overlaid` ones that exist,
 * or all but the newest checkpoint when none of them does.
 */
export function hiddenCheckpoints(
  view: DynamicsView,
  overlaid: readonly string[],
): readonly string[] {
  const names = view.points.map((p) => p.name);
  const shown = new Set(overlaid.filter((n) => names.includes(n)));
  if (shown.size === 0) {
    const newest = names.at(-1);
    if (newest !== undefined) shown.add(newest);
  }
  return names.filter((n) => !shown.has(n));
}

/** The overlaid checkpoints after a click on `name`'s point: toggled, but never none. */
export function toggleOverlay(
  view: DynamicsView,
  overlaid: readonly string[],
  name: string,
): string[] {
  const hidden = new Set(hiddenCheckpoints(view, overlaid));
  const shown = view.points.map((p) => p.name).filter((n) => !hidden.has(n));
  const next = shown.includes(name) ? shown.filter((n) => n !== name) : [...shown, name];
  return next.length === 0 ? shown : next;
}

/** The point nearest to x (the chart's hover and click), or null when there are none. */
export function nearestPoint(view: DynamicsView, x: number): DynamicsPoint | null {
  return (
    view.points[
      nearestStep(
        view.points.map((p) => p.x),
        x,
      )
    ] ?? null
  );
}
