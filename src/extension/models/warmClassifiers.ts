// Classifiers kept loaded between runs of the inference process. Explaining image after image with
// the same model would otherwise open its session again for every image, and the first batch of a
// fresh session is slow as well (it grows its memory arena): for the bench model, 35-100 ms to load
// and a first batch of 21 images 140-230 ms slower than the next (npm run bench -- pipeline's
// model, bench/benchModel.ts). A classifier given back is parked under its key; the next lease of
// that key gets it when the files it was loaded from are unchanged (their stamps: size,
// modification time, inode), else it is released and loaded anew. Parked classifiers are released
// after an idle time and beyond a count, least recently used first, so that memory (a GPU's
// included) is not held for a user who has moved on.
import type { Classifier, ClassifierInfo } from './types';

/** How long a parked classifier is kept unused, and how many are kept. */
export interface WarmOptions {
  readonly idleMs: number;
  readonly capacity: number;
}

/** Two minutes: image after image, not a session's worth of GPU memory held by a forgotten run. */
export const DEFAULT_WARM: WarmOptions = { idleMs: 120_000, capacity: 4 };

interface Parked {
  readonly classifier: Classifier;
  readonly stamp: string;
  readonly timer: NodeJS.Timeout;
}

/** What a lease found: a parked classifier reused, or a fresh load (and why it was needed). */
export type LeaseOrigin = 'reused' | 'loaded' | 'changed';

/** Classifiers by key, each lent to one run at a time. */
export class WarmClassifiers {
  /** In the order they were parked: the first is the least recently used. */
  private readonly parked = new Map<string, Parked>();
  private closed = false;

  constructor(private readonly options: WarmOptions = DEFAULT_WARM) {
    if (!(options.idleMs > 0) || !Number.isSafeInteger(options.capacity) || options.capacity < 0) {
      throw new RangeError(
        `WarmClassifiers: idleMs must be > 0 and capacity a whole number >= 0, got ${options.idleMs} and ${options.capacity}`,
      );
    }
  }

  /**
   * The classifier of `key` loaded from files whose stamps are `stamp`: the parked one when its
   * stamp is the same, else `load()`'s. Disposing what is returned gives it back (parks it); the
   * run that holds it is the only user until then. `origin` hears which it was.
   */
  async lease<I extends ClassifierInfo>(
    key: string,
    stamp: string,
    load: () => Promise<Classifier<I>>,
    origin?: (how: LeaseOrigin) => void,
  ): Promise<Classifier<I>> {
    const parked = this.take(key);
    if (parked !== undefined && parked.stamp === stamp) {
      origin?.('reused');
      // Parked under a key that names its kind of classifier (see loadModel).
      return this.lent(key, stamp, parked.classifier as Classifier<I>);
    }
    if (parked !== undefined) await parked.classifier.dispose();
    const classifier = await load();
    origin?.(parked === undefined ? 'loaded' : 'changed');
    return this.lent(key, stamp, classifier);
  }

  /** How many are parked now. */
  get size(): number {
    return this.parked.size;
  }

  /** Releases every parked classifier; those lent are released when given back. */
  async dispose(): Promise<void> {
    this.closed = true;
    const all = [...this.parked.values()];
    for (const key of [...this.parked.keys()]) this.take(key);
    await Promise.all(all.map((p) => p.classifier.dispose()));
  }

  private take(key: string): Parked | undefined {
    const parked = this.parked.get(key);
    if (parked === undefined) return undefined;
    this.parked.delete(key);
    clearTimeout(parked.timer);
    return parked;
  }

  /** `classifier` as its run sees it: the same, but its dispose gives it back (once). */
  private lent<I extends ClassifierInfo>(
    key: string,
    stamp: string,
    classifier: Classifier<I>,
  ): Classifier<I> {
    let givenBack: Promise<void> | undefined;
    // A run that failed (not cancelled) may have left the session unfit: it is not parked.
    let failed = false;
    return {
      info: classifier.info,
      predict: (images, signal) =>
        classifier.predict(images, signal).catch((error: unknown) => {
          if (!(error instanceof Error && error.name === 'AbortError')) failed = true;
          throw error;
        }),
      dispose: () =>
        (givenBack ??= failed ? classifier.dispose() : this.park(key, stamp, classifier)),
    };
  }

  private async park(key: string, stamp: string, classifier: Classifier): Promise<void> {
    // One parked per key: a second lent at the same time (two runs at once) is released.
    if (this.closed || this.options.capacity === 0 || this.parked.has(key)) {
      await classifier.dispose();
      return;
    }
    const timer = setTimeout(() => {
      void this.take(key)?.classifier.dispose();
    }, this.options.idleMs);
    timer.unref(); // a parked classifier never keeps the process alive
    this.parked.set(key, { classifier, stamp, timer });
    const released: Promise<void>[] = [];
    for (const oldest of this.parked.keys()) {
      if (this.parked.size <= this.options.capacity) break;
      const dropped = this.take(oldest);
      if (dropped !== undefined) released.push(dropped.classifier.dispose());
    }
    await Promise.all(released);
  }
}
