/** Keeps progress lines to one every few seconds however often counters move. */

/** Says when enough time has passed since the last line (or since the start). */
export class Throttle {
  #last: number;

  /**
   * @param everyMs least time between two lines; the first comes `everyMs` after the start, so
   *   a check that ends quickly prints none.
   * @param now clock in milliseconds.
   */
  constructor(readonly everyMs: number, readonly now: () => number = () => performance.now()) {
    this.#last = now();
  }

  /** Whether a line may be printed now; if so, the next one waits `everyMs` again. */
  ready(): boolean {
    const now = this.now();
    if (now - this.#last < this.everyMs) return false;
    this.#last = now;
    return true;
  }
}
