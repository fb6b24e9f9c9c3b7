/**
 * The numbers behind the progress line: documents done of expected, rate over a recent window,
 * and time left. Pure: times are passed in.
 */

/** What a progress line shows. */
export interface ProgressSnapshot {
  done: number;
  total: number;
  /** 0..100, or `undefined` when nothing is expected. */
  percent?: number;
  /** Documents per second over the recent window. */
  rate: number;
  /** Seconds left at the current rate, or `undefined` when unknown. */
  etaSeconds?: number;
  elapsedSeconds: number;
}

/** Keeps recent (time, done) samples and turns them into a snapshot. */
export class ProgressModel {
  readonly #samples: Array<{ at: number; done: number }> = [];

  /**
   * @param total documents expected in all.
   * @param startedAt time origin in milliseconds.
   * @param windowMs how far back the rate looks: long enough to smooth bursts of bulk answers.
   */
  constructor(readonly total: number, readonly startedAt: number, readonly windowMs = 10_000) {}

  /** Records the count of documents done at time `at` and returns the snapshot. */
  update(done: number, at: number): ProgressSnapshot {
    this.#samples.push({ at, done });
    while (this.#samples.length > 2 && at - this.#samples[1].at >= this.windowMs) {
      this.#samples.shift();
    }
    const first = this.#samples[0];
    const seconds = (at - first.at) / 1000;
    const rate = seconds > 0 ? Math.max(0, (done - first.done) / seconds) : 0;
    const left = Math.max(0, this.total - done);
    return {
      done,
      total: this.total,
      percent: this.total > 0 ? Math.min(100, (done / this.total) * 100) : undefined,
      rate,
      etaSeconds: rate > 0 ? left / rate : left === 0 ? 0 : undefined,
      elapsedSeconds: (at - this.startedAt) / 1000,
    };
  }
}

/** `1234567` → `1,234,567`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** Seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(rest).padStart(2, "0")}s`;
  return `${rest}s`;
}

/** One progress line: `12,000 / 50,000 docs (24.0%)  3,100 docs/s  ETA 12s`. */
export function formatProgress(snapshot: ProgressSnapshot, label = "docs"): string {
  const percent = snapshot.percent === undefined ? "" : ` (${snapshot.percent.toFixed(1)}%)`;
  const eta = snapshot.etaSeconds === undefined
    ? "ETA ?"
    : `ETA ${formatDuration(snapshot.etaSeconds)}`;
  return `${formatCount(snapshot.done)} / ${formatCount(snapshot.total)} ${label}${percent}  ` +
    `${formatCount(snapshot.rate)} docs/s  ${eta}`;
}
