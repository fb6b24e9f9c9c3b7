/**
 * The numbers behind the progress line: documents done of expected, rate over a recent window,
 * and time left. Pure: times are passed in.
 */
import { RateWindow } from "../migrate/status.ts";

/** What a progress line shows. */
export interface ProgressSnapshot {
  done: number;
  total: number;
  /** 0..100, or `undefined` when nothing is expected. */
  percent?: number;
  /**
   * Documents per second over the recent window; `undefined` until two samples apart in time
   * exist (a first tick has no rate, and showing "0 docs/s" there would be a lie).
   */
  rate?: number;
  /** Seconds left at the window's rate; `undefined` while there is no rate, or it is 0. */
  etaSeconds?: number;
  elapsedSeconds: number;
}

/**
 * Keeps the (time, done) samples of a moving window and turns them into a snapshot. The rate is
 * the window's alone, and the ETA is recomputed from it at every update, so when the copy slows
 * down the rate falls and the ETA grows at once instead of keeping an early, faster estimate.
 */
export class ProgressModel {
  readonly #window: RateWindow;

  /**
   * @param total documents expected in all.
   * @param startedAt time origin in milliseconds.
   * @param windowMs how far back the rate looks: long enough to smooth bursts of bulk answers,
   *   short enough that a slowdown shows within seconds.
   */
  constructor(public total: number, readonly startedAt: number, readonly windowMs = 10_000) {
    this.#window = new RateWindow(windowMs, false);
  }

  /**
   * Records the count of documents done at time `at` and returns the snapshot; `total`, when
   * given, replaces the expected count (it may grow: indices new since the start, a monitor
   * without a target count).
   */
  update(done: number, at: number, total = this.total): ProgressSnapshot {
    this.total = total;
    const rate = this.#window.add(done, at);
    const left = Math.max(0, this.total - done);
    return {
      done,
      total: this.total,
      percent: this.total > 0 ? Math.min(100, (done / this.total) * 100) : undefined,
      ...(rate !== undefined ? { rate } : {}),
      ...(etaOf(left, rate) !== undefined ? { etaSeconds: etaOf(left, rate) } : {}),
      elapsedSeconds: (at - this.startedAt) / 1000,
    };
  }
}

/** Seconds left: 0 when nothing is left, unknown without a rate or while nothing moves. */
function etaOf(left: number, rate: number | undefined): number | undefined {
  if (left === 0) return 0;
  return rate !== undefined && rate > 0 ? left / rate : undefined;
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

/**
 * One progress line: `12,000 / 50,000 docs (24.0%)  3,100 docs/s  ETA 12s`; the rate and the ETA
 * only once they are known (never "0 docs/s ETA ?" on a first tick).
 */
export function formatProgress(snapshot: ProgressSnapshot, label = "docs"): string {
  const percent = snapshot.percent === undefined ? "" : ` (${snapshot.percent.toFixed(1)}%)`;
  const rate = snapshot.rate === undefined ? "" : `  ${formatCount(snapshot.rate)} docs/s`;
  const eta = snapshot.etaSeconds === undefined || snapshot.rate === undefined
    ? ""
    : `  ETA ${formatDuration(snapshot.etaSeconds)}`;
  return `${formatCount(snapshot.done)} / ${formatCount(snapshot.total)} ${label}${percent}` +
    rate + eta;
}
