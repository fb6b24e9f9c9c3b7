/**
 * How many bulk requests may be in flight. Additive increase, multiplicative decrease: when the
 * target pushes back (429, rejected execution) the limit halves; after a run of clean answers
 * it climbs back by one, up to what the operator allowed. The waiting is here; the decisions are
 * pure methods, unit tested.
 */
export class AdaptiveLimit {
  #limit: number;
  #inFlight = 0;
  #cleanStreak = 0;
  readonly #waiting: Array<() => void> = [];

  /**
   * @param max the operator's `--concurrency`: never exceeded.
   * @param climbAfter clean answers in a row before the limit grows by one.
   */
  constructor(readonly max: number, readonly climbAfter = 8) {
    this.#limit = max;
  }

  /** The current limit. */
  get limit(): number {
    return this.#limit;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Waits for a free place, then takes it. */
  async acquire(): Promise<void> {
    while (this.#inFlight >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#inFlight++;
  }

  /** Gives a place back. */
  release(): void {
    this.#inFlight--;
    this.#wake();
  }

  /** The target pushed back: halve the limit (never below one). */
  pushedBack(): void {
    this.#cleanStreak = 0;
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
  }

  /** A clean answer: after enough of them in a row, allow one more in flight. */
  succeeded(): void {
    if (++this.#cleanStreak >= this.climbAfter && this.#limit < this.max) {
      this.#cleanStreak = 0;
      this.#limit++;
      this.#wake();
    }
  }

  #wake(): void {
    // A woken waiter takes its place only when it runs, so count the free places now.
    for (let free = this.#limit - this.#inFlight; free > 0 && this.#waiting.length > 0; free--) {
      this.#waiting.shift()!();
    }
  }
}

/**
 * Caps documents per second (`--max-docs-per-second`): a token bucket refilled continuously,
 * holding at most one second's worth, so a pause is not followed by a burst.
 */
export class RateLimit {
  #tokens: number;
  #last: number;

  constructor(readonly perSecond: number, readonly now: () => number = () => performance.now()) {
    this.#tokens = perSecond;
    this.#last = now();
  }

  /** Milliseconds to wait before `count` documents may go, taking them from the bucket. */
  reserve(count: number): number {
    const now = this.now();
    this.#tokens = Math.min(
      this.perSecond,
      this.#tokens + (now - this.#last) * this.perSecond / 1000,
    );
    this.#last = now;
    this.#tokens -= count;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens * 1000 / this.perSecond);
  }

  /** Waits until `count` documents may go. */
  async take(count: number): Promise<void> {
    const wait = this.reserve(count);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
