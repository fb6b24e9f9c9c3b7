/**
 * Byte buffers used again and again: a copy sends hundreds of bulk bodies a second, and a new
 * buffer for each leaves hundreds of megabytes behind for the garbage collector between two of
 * its passes. A few buffers, each reused once its request is answered, keep memory flat.
 */

/** Buffers under this size are not worth keeping apart: rounded up to it. */
const SMALLEST = 1024 ** 2;

/** A free list of byte buffers. */
export class BufferPool {
  #free: Uint8Array<ArrayBuffer>[] = [];

  /**
   * @param keep buffers kept at most (the requests in flight, and a spare)
   * @param largest a buffer larger than this (one huge document's body) is not kept
   */
  constructor(readonly keep: number, readonly largest: number) {}

  /** A buffer of at least `size` bytes: a free one, or a new one. */
  take(size: number): Uint8Array<ArrayBuffer> {
    const at = this.#free.findIndex((buffer) => buffer.length >= size);
    if (at >= 0) return this.#free.splice(at, 1)[0];
    // An eighth more than asked: the next answer of about that size fits it too.
    return new Uint8Array(Math.max(size + (size >> 3), SMALLEST));
  }

  /** Gives a buffer back once nothing reads it any more (its request was answered). */
  give(buffer: Uint8Array<ArrayBuffer>): void {
    if (buffer.length > this.largest) return;
    if (this.#free.length >= this.keep) {
      // Keep the larger ones: they serve every size.
      const smallest = this.#free.reduce(
        (min, each, i) => each.length < this.#free[min].length ? i : min,
        0,
      );
      if (this.#free[smallest].length >= buffer.length) return;
      this.#free.splice(smallest, 1);
    }
    this.#free.push(buffer);
  }
}
