/**
 * Progress for people, on stderr: on a terminal one line redrawn in place; elsewhere (a log
 * file, CI) a plain line every `logEveryMs`, so logs stay readable; with `-q`, none at all.
 */
import {
  formatCount,
  formatProgress,
  ProgressModel,
  type ProgressSnapshot,
} from "../backfill/progress.ts";
import { setBeforeLogWrite } from "../log.ts";
import { isQuiet } from "./output.ts";
import type { CopyProgress } from "../migrate/engine.ts";

const encoder = new TextEncoder();

/** Counts as the engines report them. */
export interface ProgressCounts {
  copied: number;
  expected: number;
  perIndex?: Record<string, { copied: number; expected: number }>;
}

/** Prints progress lines from counts handed to {@link update}. */
export class ProgressPrinter {
  readonly #tty = Deno.stderr.isTerminal();
  #model?: ProgressModel;
  #lastLog = -Infinity;
  #drawn = false;

  constructor(readonly options: { perIndex: boolean; logEveryMs?: number } = { perIndex: false }) {
    // A log line (a warning) clears the live line first; the next update draws it again.
    if (this.#tty) setBeforeLogWrite(() => this.clear());
  }

  /** Removes the live line from the terminal, e.g. before other text is printed. */
  clear(): void {
    if (!this.#drawn) return;
    this.#write("\r\x1b[2K");
    this.#drawn = false;
  }

  /** Takes new counts; prints when it is time to. */
  update(counts: ProgressCounts): ProgressSnapshot {
    const now = performance.now();
    this.#model ??= new ProgressModel(counts.expected, now);
    const snapshot = this.#model.update(counts.copied, now, counts.expected);
    if (isQuiet()) return snapshot;
    const line = formatProgress(snapshot);
    if (now - this.#lastLog >= (this.options.logEveryMs ?? 10_000)) {
      this.#lastLog = now;
      // Off a terminal, and for the per-index rows, plain lines that scroll like a log.
      const rows = this.options.perIndex ? this.#perIndex(counts).map((row) => `  ${row}\n`) : [];
      const text = (this.#tty ? "" : `progress: ${line}\n`) + rows.join("");
      if (text) this.#write((this.#tty ? "\r\x1b[2K" : "") + text);
    }
    if (this.#tty) {
      this.#write(`\r\x1b[2K${line}`);
      this.#drawn = true;
    }
    return snapshot;
  }

  /** Ends the live line so the next output starts on a fresh line. */
  finish(): void {
    if (this.#drawn) this.#write("\n");
    this.#drawn = false;
    if (this.#tty) setBeforeLogWrite(undefined);
  }

  #perIndex(counts: ProgressCounts): string[] {
    return Object.entries(counts.perIndex ?? {}).map(([index, { copied, expected }]) =>
      `${index}: ${formatCount(copied)} / ${formatCount(expected)}`
    );
  }

  #write(text: string): void {
    Deno.stderr.writeSync(encoder.encode(text));
  }
}

/**
 * The progress line of every pipeline together: drawn once each pipeline has reported or
 * ended, so the total it is measured against is the total of all.
 */
export class CombinedProgress {
  readonly #printer: ProgressPrinter;
  readonly #latest = new Map<string, CopyProgress>();
  readonly #waiting: Set<string>;

  constructor(readonly names: string[], perIndex: boolean) {
    this.#printer = new ProgressPrinter({ perIndex });
    this.#waiting = new Set(names);
  }

  update(name: string, progress: CopyProgress): void {
    this.#latest.set(name, progress);
    this.#waiting.delete(name);
    this.#draw();
  }

  /** The pipeline's run is over (it may never have copied). */
  ended(name: string): void {
    this.#waiting.delete(name);
  }

  clear(): void {
    this.#printer.clear();
  }

  finish(): void {
    this.#printer.finish();
  }

  #draw(): void {
    if (this.#waiting.size > 0) return;
    if (this.names.length === 1) {
      this.#printer.update(this.#latest.get(this.names[0])!);
      return;
    }
    const sum: ProgressCounts & { perIndex: NonNullable<ProgressCounts["perIndex"]> } = {
      copied: 0,
      expected: 0,
      perIndex: {},
    };
    for (const [name, progress] of this.#latest) {
      sum.copied += progress.copied;
      sum.expected += progress.expected;
      for (const [index, counts] of Object.entries(progress.perIndex)) {
        sum.perIndex[`${name}/${index}`] = counts;
      }
    }
    this.#printer.update(sum);
  }
}

/**
 * The creations' counter: redrawn in place on a terminal, a line every few seconds elsewhere,
 * and cleared once all are made (the summary line says how many).
 */
export class CreationProgress {
  readonly #tty = Deno.stderr.isTerminal();
  #lastLog = -Infinity;

  constructor(readonly verb = "creating", readonly logEveryMs = 3000) {}

  update(done: number, total: number): void {
    if (isQuiet()) return;
    const line = `${this.verb} on the target: ${formatCount(done)} of ${formatCount(total)}`;
    if (this.#tty) {
      Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${done < total ? line : ""}`));
      return;
    }
    const now = performance.now();
    if (now - this.#lastLog < this.logEveryMs && done < total) return;
    this.#lastLog = now;
    Deno.stderr.writeSync(encoder.encode(`${line}\n`));
  }
}

/**
 * A status line for a long check: on a terminal, redrawn in place and cleared before the
 * result is printed. Elsewhere, a line every `logEveryMs` once the check has run for
 * `quietForMs`: a short check's log holds its result alone, not a stray line of how far it had
 * got, while a check of many minutes still shows that it is alive.
 */
export class LiveLine {
  readonly #tty: boolean;
  readonly #startedAt = performance.now();
  #lastLog = -Infinity;
  #drawn = false;

  constructor(
    tty = Deno.stderr.isTerminal(),
    readonly timing = { quietForMs: 10_000, logEveryMs: 30_000 },
  ) {
    this.#tty = tty;
    if (this.#tty) setBeforeLogWrite(() => this.clear());
  }

  /** Shows `text` in place of the previous one (off a terminal: now and then, as a line). */
  show(text: string): void {
    if (isQuiet()) return;
    if (!this.#tty) {
      const now = performance.now();
      if (now - this.#startedAt < this.timing.quietForMs) return;
      if (now - this.#lastLog < this.timing.logEveryMs) return;
      this.#lastLog = now;
      Deno.stderr.writeSync(encoder.encode(`${text}\n`));
      return;
    }
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${text}`));
    this.#drawn = true;
  }

  /** Removes the line, e.g. before the result is printed. */
  clear(): void {
    if (!this.#drawn) return;
    Deno.stderr.writeSync(encoder.encode("\r\x1b[2K"));
    this.#drawn = false;
  }

  /** Clears the line for good and gives log lines back their plain path. */
  finish(): void {
    this.clear();
    if (this.#tty) setBeforeLogWrite(undefined);
  }
}
