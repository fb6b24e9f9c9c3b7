/**
 * The live status of a run, sync or monitor, as the status page and `/status.json` show it: one
 * board fed with what happens (phases, progress, lag, the end) and read as one JSON document.
 * Pure: times are passed in. The JSON is documented in docs/json.md ("status.json").
 */

/** Where a run stands, in the order a run goes through them. */
export type StatusPhase = "plan" | "create" | "copy" | "confirm" | "verify" | "following" | "done";

/** Where one index (or data stream) stands. */
export type IndexState = "waiting" | "copying" | "done" | "failed" | "skipped";

/** One row of the page: an index or data stream. */
export interface StatusIndex {
  name: string;
  documents_copied: number;
  documents_expected: number;
  docs_per_second: number;
  state: IndexState;
  /** Why it was skipped or failed. */
  reason?: string;
}

/** Counts per reason, e.g. `{"429 es_rejected_execution_exception": 12}`. */
export interface ReasonCounts {
  total: number;
  by_reason: Record<string, number>;
}

/** One engine watched by `monitor --serve` (a part of a scale-out, a Data Prepper node). */
export interface StatusPart {
  url: string;
  reachable: boolean;
  phase: StatusPhase | "unknown";
  documents_copied: number;
  documents_expected: number;
  docs_per_second: number;
  outcome?: StatusOutcome;
}

/** How it ended. */
export interface StatusOutcome {
  status: "succeeded" | "failed" | "interrupted";
  message: string;
}

/** `/status.json`. */
export interface StatusJson {
  format: "fetch-migration-status/1";
  command: "run" | "sync" | "monitor";
  /** Endpoints without credentials; absent when unknown (a monitor of Data Prepper). */
  source?: { url: string };
  target?: { url: string };
  phase: StatusPhase;
  started_at: string;
  elapsed_seconds: number;
  documents_copied: number;
  documents_expected: number;
  /** 0..100, or null while nothing is expected. */
  percent: number | null;
  docs_per_second: number;
  /** Seconds left at the current rate; null while unknown. */
  eta_seconds: number | null;
  indices: StatusIndex[];
  /** `[elapsed_seconds, docs_per_second]`, oldest first, at most {@link HISTORY_POINTS}. */
  rate_history: Array<[number, number]>;
  /** While syncing: operations not yet on the target, and the age of the oldest. */
  lag?: { operations: number; seconds: number };
  /** `[elapsed_seconds, operations]` of the lag, oldest first. */
  lag_history?: Array<[number, number]>;
  /** While syncing: passes made, and documents changed and deleted by them in all. */
  sync?: { passes: number; changes: number; deletes: number; indices: number };
  retries: ReasonCounts;
  dead_letters: ReasonCounts;
  parts?: StatusPart[];
  outcome?: StatusOutcome;
}

/** How many points a chart keeps: at one a second, the last 10 minutes. */
export const HISTORY_POINTS = 600;

/** A rate over the last `windowMs` of (time, count) samples. */
export class RateWindow {
  readonly #samples: Array<{ at: number; count: number }> = [];

  /**
   * @param windowMs how far back the rate looks (the last sample older than that is kept, so the
   *   window spans its whole length even when samples are sparse).
   * @param fromFirstMove a count that had not moved before (an index waiting its turn) starts
   *   its rate when it moves, not with the wait averaged in.
   */
  constructor(readonly windowMs = 10_000, readonly fromFirstMove = true) {}

  /** Adds a sample; returns the rate per second, or undefined until two samples span time. */
  add(count: number, at: number): number | undefined {
    this.#samples.push({ at, count });
    while (this.#samples.length > 2 && at - this.#samples[1].at >= this.windowMs) {
      this.#samples.shift();
    }
    while (
      this.fromFirstMove && this.#samples.length > 2 &&
      this.#samples[1].count === this.#samples[0].count
    ) {
      this.#samples.shift();
    }
    const first = this.#samples[0];
    const seconds = (at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, (count - first.count) / seconds) : undefined;
  }
}

/** Documents copied and expected of one index, as engines report them. */
export interface IndexFigures {
  copied: number;
  expected: number;
}

/** The figures of a progress tick the board uses. */
export interface ProgressTick {
  copied: number;
  expected: number;
  perIndex: Record<string, IndexFigures>;
  retried?: number;
  retryReasons?: Record<string, number>;
  deadLettered?: number;
  deadLetterReasons?: Record<string, number>;
}

/**
 * `percent` (one decimal, null while nothing is expected) and `eta_seconds` (0 once everything
 * is copied, null while there is no rate) of `copied` of `expected` at `rate` documents/s.
 */
export function progressFigures(
  copied: number,
  expected: number,
  rate: number | undefined,
): Pick<StatusJson, "percent" | "eta_seconds"> {
  const left = Math.max(0, expected - copied);
  return {
    percent: expected > 0 ? Math.min(100, Math.round((copied / expected) * 1000) / 10) : null,
    eta_seconds: left === 0 ? 0 : rate ? Math.round(left / rate) : null,
  };
}

/** Adds `point` to a chart's history, forgetting the oldest past {@link HISTORY_POINTS}. */
export function pushPoint(history: Array<[number, number]>, point: [number, number]): void {
  history.push(point);
  if (history.length > HISTORY_POINTS) history.shift();
}

/** Rounds a rate for JSON: one decimal. */
export function roundRate(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Collects what happens and answers {@link StatusJson}; see the module header. */
export class StatusBoard {
  #phase: StatusPhase = "plan";
  #copied = 0;
  #expected = 0;
  #rate?: number;
  readonly #total = new RateWindow();
  readonly #indices = new Map<string, StatusIndex & { window: RateWindow }>();
  readonly #rates: Array<[number, number]> = [];
  readonly #lags: Array<[number, number]> = [];
  #lag?: { operations: number; seconds: number };
  #sync?: StatusJson["sync"];
  #retries: ReasonCounts = { total: 0, by_reason: {} };
  #deadLetters: ReasonCounts = { total: 0, by_reason: {} };
  #outcome?: StatusOutcome;
  #parts?: StatusPart[];

  constructor(
    readonly command: StatusJson["command"],
    readonly startedAt: number,
    readonly endpoints: { source?: string; target?: string } = {},
  ) {}

  /** Moves to `phase` (never back from `done`). */
  phase(phase: StatusPhase): void {
    if (this.#phase !== "done") this.#phase = phase;
  }

  /** The indices a copy will fill, with the documents expected of each: all waiting. */
  plan(expected: Record<string, number>): void {
    for (const [name, documents] of Object.entries(expected)) {
      this.#row(name).documents_expected = documents;
    }
    this.#expected = Object.values(expected).reduce((sum, n) => sum + n, 0);
  }

  /** Indices left alone on purpose, each with why. */
  skip(indices: Array<{ name: string; reason: string }>): void {
    for (const { name, reason } of indices) {
      Object.assign(this.#row(name), { state: "skipped", reason });
    }
  }

  /** A progress tick of the copy, at time `at` (milliseconds). */
  progress(tick: ProgressTick, at: number): void {
    this.#copied = tick.copied;
    this.#expected = tick.expected;
    this.#rate = this.#total.add(tick.copied, at);
    if (this.#rate !== undefined) pushPoint(this.#rates, [this.#elapsed(at), this.#rate]);
    for (const [name, figures] of Object.entries(tick.perIndex)) {
      const row = this.#row(name);
      row.documents_copied = figures.copied;
      row.documents_expected = figures.expected;
      const rate = row.window.add(figures.copied, at) ?? 0;
      row.docs_per_second = figures.copied >= figures.expected ? 0 : roundRate(rate);
      if (row.state !== "skipped" && row.state !== "failed") {
        row.state = figures.copied >= figures.expected
          ? "done"
          : figures.copied > 0
          ? "copying"
          : "waiting";
      }
    }
    if (tick.retried !== undefined) {
      this.#retries = { total: tick.retried, by_reason: { ...tick.retryReasons } };
    }
    if (tick.deadLettered !== undefined) {
      this.#deadLetters = { total: tick.deadLettered, by_reason: { ...tick.deadLetterReasons } };
    }
  }

  /** A sync pass ended at time `at`: its lag and the totals so far. */
  pass(
    lag: { operations: number; seconds: number },
    totals: NonNullable<StatusJson["sync"]>,
    at: number,
  ): void {
    this.#phase = "following";
    this.#lag = { operations: lag.operations, seconds: Math.round(lag.seconds * 10) / 10 };
    this.#sync = totals;
    pushPoint(this.#lags, [this.#elapsed(at), lag.operations]);
  }

  /** Indices whose count fell short at the end, each with what is missing. */
  fail(indices: Array<{ name: string; reason: string }>): void {
    for (const { name, reason } of indices) {
      Object.assign(this.#row(name), { state: "failed", reason });
    }
  }

  /** The engines a monitor watches, replacing the last ones. */
  parts(parts: StatusPart[]): void {
    this.#parts = parts;
  }

  /** The end, with its message. */
  end(outcome: StatusOutcome): void {
    this.#outcome = outcome;
    this.#phase = "done";
    if (outcome.status === "succeeded") {
      for (const row of this.#indices.values()) {
        if (row.state === "copying" || row.state === "waiting") row.state = "done";
      }
    }
    this.#rate = 0;
  }

  /** The JSON document at time `at`. */
  json(at: number): StatusJson {
    const rate = this.#rate;
    return {
      format: "fetch-migration-status/1",
      command: this.command,
      ...(this.endpoints.source ? { source: { url: this.endpoints.source } } : {}),
      ...(this.endpoints.target ? { target: { url: this.endpoints.target } } : {}),
      phase: this.#phase,
      started_at: new Date(this.startedAt).toISOString(),
      elapsed_seconds: Math.round(this.#elapsed(at)),
      documents_copied: this.#copied,
      documents_expected: this.#expected,
      ...progressFigures(this.#copied, this.#expected, rate),
      docs_per_second: roundRate(rate ?? 0),
      indices: [...this.#indices.values()].map(({ window: _, ...row }) => row),
      rate_history: this.#rates.map(([t, r]) => [t, roundRate(r)]),
      ...(this.#lag ? { lag: this.#lag, lag_history: [...this.#lags] } : {}),
      ...(this.#sync ? { sync: this.#sync } : {}),
      retries: this.#retries,
      dead_letters: this.#deadLetters,
      ...(this.#parts ? { parts: this.#parts } : {}),
      ...(this.#outcome ? { outcome: this.#outcome } : {}),
    };
  }

  #row(name: string): StatusIndex & { window: RateWindow } {
    let row = this.#indices.get(name);
    if (!row) {
      row = {
        name,
        documents_copied: 0,
        documents_expected: 0,
        docs_per_second: 0,
        state: "waiting",
        window: new RateWindow(),
      };
      this.#indices.set(name, row);
    }
    return row;
  }

  #elapsed(at: number): number {
    return Math.round((at - this.startedAt) / 100) / 10;
  }
}

/**
 * One status over several engines (`monitor --serve`): documents and rates summed, index rows
 * of the same name added up (the parts of a scale-out each copy a share of every index), the
 * phase the least advanced one's, and a row per part.
 */
export function combineStatuses(
  parts: Array<{ url: string; status?: StatusJson }>,
  startedAt: number,
  at: number,
): StatusJson {
  const known = parts.flatMap(({ status }) => status ? [status] : []);
  // The page's clock starts with the earliest part, so every part's history fits on it.
  const origin = Math.min(startedAt, ...known.map((s) => Date.parse(s.started_at)));
  const board = new StatusBoard("monitor", origin);
  const sum = (pick: (status: StatusJson) => number) =>
    known.reduce((total, status) => total + pick(status), 0);
  const json = board.json(at);
  const indices = new Map<string, StatusIndex>();
  for (const row of known.flatMap((status) => status.indices)) {
    const seen = indices.get(row.name);
    indices.set(row.name, seen ? mergeRows(seen, row) : { ...row });
  }
  const copied = sum((s) => s.documents_copied);
  const expected = sum((s) => s.documents_expected);
  const rate = roundRate(sum((s) => s.docs_per_second));
  const order: Array<StatusPhase> = ["plan", "create", "copy", "confirm", "verify", "following"];
  const phases = known.map((s) => s.phase);
  const phase = phases.length === 0
    ? "plan"
    : phases.every((p) => p === "done")
    ? "done"
    : order.find((p) => phases.includes(p)) ?? "copy";
  const failed = known.find((s) => s.outcome && s.outcome.status !== "succeeded");
  const sources = [...new Set(known.flatMap((s) => s.source ? [s.source.url] : []))];
  const targets = [...new Set(known.flatMap((s) => s.target ? [s.target.url] : []))];
  return {
    ...json,
    ...(sources.length === 1 ? { source: { url: sources[0] } } : {}),
    ...(targets.length === 1 ? { target: { url: targets[0] } } : {}),
    phase,
    documents_copied: copied,
    documents_expected: expected,
    ...progressFigures(copied, expected, rate),
    docs_per_second: rate,
    indices: [...indices.values()],
    rate_history: sumHistories(
      known.map((s) => ({
        offset: (Date.parse(s.started_at) - origin) / 1000,
        history: s.rate_history,
      })),
    ),
    retries: sumReasons(known.map((s) => s.retries)),
    dead_letters: sumReasons(known.map((s) => s.dead_letters)),
    parts: parts.map(({ url, status }) => partOf(url, status)),
    ...(phase === "done"
      ? {
        outcome: failed?.outcome ?? {
          status: "succeeded",
          message: `every part is done: ${copied} of ${expected} documents`,
        },
      }
      : {}),
  };
}

function partOf(url: string, status: StatusJson | undefined): StatusPart {
  if (!status) {
    return {
      url,
      reachable: false,
      phase: "unknown",
      documents_copied: 0,
      documents_expected: 0,
      docs_per_second: 0,
    };
  }
  return {
    url,
    reachable: true,
    phase: status.phase,
    documents_copied: status.documents_copied,
    documents_expected: status.documents_expected,
    docs_per_second: status.docs_per_second,
    ...(status.outcome ? { outcome: status.outcome } : {}),
  };
}

const STATE_RANK: IndexState[] = ["failed", "copying", "waiting", "skipped", "done"];

function mergeRows(a: StatusIndex, b: StatusIndex): StatusIndex {
  // The row shows the state that needs attention first: one failed part fails the index.
  const state = STATE_RANK.find((s) => s === a.state || s === b.state) ?? a.state;
  return {
    name: a.name,
    documents_copied: a.documents_copied + b.documents_copied,
    documents_expected: a.documents_expected + b.documents_expected,
    docs_per_second: roundRate(a.docs_per_second + b.docs_per_second),
    state,
    ...(a.reason ?? b.reason ? { reason: a.reason ?? b.reason } : {}),
  };
}

function sumReasons(all: ReasonCounts[]): ReasonCounts {
  const by_reason: Record<string, number> = {};
  for (const counts of all) {
    for (const [reason, n] of Object.entries(counts.by_reason)) {
      by_reason[reason] = (by_reason[reason] ?? 0) + n;
    }
  }
  return { total: all.reduce((sum, counts) => sum + counts.total, 0), by_reason };
}

/**
 * Rate histories of parts summed per whole second of the combined clock: parts started at their
 * own moments (`offset` seconds after the first) and tick at their own moments, so each second
 * adds every part's latest rate up to then.
 */
function sumHistories(
  histories: Array<{ offset: number; history: Array<[number, number]> }>,
): Array<[number, number]> {
  const shifted = histories.map(({ offset, history }) =>
    history.map(([t, rate]): [number, number] => [Math.round(t + offset), rate])
  );
  const seconds = [...new Set(shifted.flatMap((h) => h.map(([t]) => t)))].sort((a, b) => a - b);
  const cursors = shifted.map(() => -1);
  return seconds.slice(-HISTORY_POINTS).map((second) => {
    let total = 0;
    shifted.forEach((history, part) => {
      while (cursors[part] + 1 < history.length && history[cursors[part] + 1][0] <= second) {
        cursors[part]++;
      }
      total += cursors[part] >= 0 ? history[cursors[part]][1] : 0;
    });
    return [second, roundRate(total)];
  });
}
