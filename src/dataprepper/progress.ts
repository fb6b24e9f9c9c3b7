/**
 * Where a Data Prepper copy stands, from the metric snapshots a monitor takes every few seconds.
 * Data Prepper never stops by itself when its source is done (notes §4.4, issue #2944), so the
 * monitor decides from the counters: `running`, `complete` (then the caller confirms with the
 * target's `_count` and sends `/shutdown`), `idle` (nothing moves but it is not done) or
 * `failing` (metrics unreachable, documents refused). `exited` (the process is gone) is the
 * caller's to set. Pure and deterministic: each poll carries its own time.
 */
import { type Sample, seriesValue } from "./prometheus.ts";

/** The counters and gauges of one pipeline that the model reads (0 when not registered yet). */
export interface PipelineMetrics {
  /** Sink: documents the target acknowledged. */
  documentsSuccess: number;
  /** Sink: documents refused for good (sent to the dead-letter file). */
  documentErrors: number;
  /** Source: documents read. */
  documentsProcessed: number;
  /** Buffer gauges: records read by the sink and not yet checkpointed, and records waiting. */
  recordsInFlight: number;
  recordsInBuffer: number;
  /** Source coordinator: index partitions discovered, finished (with acks: acknowledged). */
  partitionsCreated: number;
  partitionsCompleted: number;
  /** Source coordinator: ticks on every poll of a source that finds no work left. */
  noPartitionsAcquired: number;
  /** Sink: bulk requests sent again (429, 5xx). */
  bulkRequestNumberOfRetries: number;
}

/** Where each field of {@link PipelineMetrics} is read, after the pipeline's series prefix. */
export const PIPELINE_SERIES: Readonly<Record<keyof PipelineMetrics, string>> = {
  documentsSuccess: "opensearch_documentsSuccess",
  documentErrors: "opensearch_documentErrors",
  documentsProcessed: "opensearch_documentsProcessed",
  recordsInFlight: "BlockingBuffer_recordsInFlight",
  recordsInBuffer: "BlockingBuffer_recordsInBuffer",
  partitionsCreated: "source_coordinator_partitionsCreatedCount",
  partitionsCompleted: "source_coordinator_partitionsCompleted",
  noPartitionsAcquired: "source_coordinator_noPartitionsAcquired",
  bulkRequestNumberOfRetries: "opensearch_bulkRequestNumberOfRetries",
};

/**
 * One pipeline's metrics from a parsed `/metrics/prometheus` answer; a series not there yet
 * reads 0 (a meter that does not exist has counted nothing, a buffer not built holds nothing).
 */
export function pipelineMetrics(samples: readonly Sample[], pipelineName: string): PipelineMetrics {
  const metrics = {} as PipelineMetrics;
  for (const [field, suffix] of Object.entries(PIPELINE_SERIES)) {
    metrics[field as keyof PipelineMetrics] = seriesValue(samples, pipelineName, suffix) ?? 0;
  }
  return metrics;
}

/** One look at the metrics endpoint. */
export interface Poll {
  /** When, in milliseconds (any origin, increasing). */
  at: number;
  /** Whether `/metrics/prometheus` answered; when false, `pipelines` is not read. */
  answered: boolean;
  /** Every pipeline of the copy by name. */
  pipelines: Record<string, PipelineMetrics>;
}

/** What the model is told once, at the start. */
export interface ProgressOptions {
  /** Documents the copy must bring (the target's count to reach). */
  expectedDocuments: number;
  /** Index partitions the copy must complete: the number of indices it copies. */
  expectedPartitions: number;
  /** Polls without any change before `idle` (default 5). */
  idlePolls?: number;
  /** Unanswered polls in a row before `failing` (default 5). */
  unreachablePolls?: number;
  /** How far back the documents-per-second rate looks, in milliseconds (default 60 000). */
  rateWindowMs?: number;
}

/** Figures every state carries. */
export interface ProgressFigures {
  /** Documents the target acknowledged, all pipelines together. */
  copied: number;
  expected: number;
  /** 0..100; 100 when nothing is expected. */
  percent: number;
  /** Documents refused for good (dead-lettered), all pipelines together. */
  errors: number;
  /** Bulk requests sent again, all pipelines together. */
  retries: number;
  /** Over the rate window; `undefined` until two answered polls span some time. */
  docsPerSecond?: number;
  /** Seconds left at that rate; 0 once `copied >= expected`; `undefined` when unknown. */
  etaSeconds?: number;
  /** Answered polls in a row without any document acknowledged or refused. */
  stalledPolls: number;
}

/** Why a copy is `failing`. */
export type FailingReason = "metrics-unreachable" | "document-errors";

/** Where the copy stands. */
export type ProgressState =
  | (ProgressFigures & { kind: "running" })
  | (ProgressFigures & { kind: "complete" })
  | (ProgressFigures & { kind: "idle"; unchangedPolls: number })
  | (ProgressFigures & { kind: "failing"; reason: FailingReason; detail: string })
  /** Never produced by {@link nextState}: the caller's, when the process is gone. */
  | (ProgressFigures & { kind: "exited" });

/** The model between polls: immutable, each poll makes a new one. */
export interface ProgressModel {
  readonly options: Required<ProgressOptions>;
  readonly state: ProgressState;
  /** The last answered poll, to compare the next one with. */
  readonly last?: Poll;
  /** (time, copied) of the answered polls the rate is taken over. */
  readonly window: ReadonlyArray<{ at: number; copied: number }>;
  readonly unchangedPolls: number;
  readonly unreachablePolls: number;
  readonly stalledPolls: number;
}

/** A model before any poll: `running` with nothing copied. */
export function createProgress(options: ProgressOptions): ProgressModel {
  const full: Required<ProgressOptions> = {
    idlePolls: 5,
    unreachablePolls: 5,
    rateWindowMs: 60_000,
    ...options,
  };
  return {
    options: full,
    state: {
      kind: "running",
      ...figures(full, 0, 0, 0, undefined, 0),
    },
    window: [],
    unchangedPolls: 0,
    unreachablePolls: 0,
    stalledPolls: 0,
  };
}

/** The model after one more poll; its `state` says where the copy stands. */
export function nextState(model: ProgressModel, poll: Poll): ProgressModel {
  const { options } = model;
  if (!poll.answered) {
    const unreachablePolls = model.unreachablePolls + 1;
    if (unreachablePolls < options.unreachablePolls) {
      // A slow answer now and then: keep what the last answer said.
      return { ...model, unreachablePolls };
    }
    return {
      ...model,
      unreachablePolls,
      state: {
        ...figures(
          options,
          model.state.copied,
          model.state.errors,
          model.state.retries,
          model.state.docsPerSecond,
          model.state.stalledPolls,
        ),
        kind: "failing",
        reason: "metrics-unreachable",
        detail: model.last
          ? `the metrics endpoint has not answered the last ${unreachablePolls} polls`
          : `the metrics endpoint has not answered any of ${unreachablePolls} polls since the start`,
      },
    };
  }

  const totals = sum(poll.pipelines);
  const previous = model.last ? sum(model.last.pipelines) : undefined;
  const changed = !model.last || countersChanged(model.last.pipelines, poll.pipelines);
  const unchangedPolls = changed ? 0 : model.unchangedPolls + 1;
  const settled = previous !== undefined &&
    totals.documentsSuccess + totals.documentErrors ===
      previous.documentsSuccess + previous.documentErrors;
  const stalledPolls = settled ? model.stalledPolls + 1 : 0;

  // The rate's base: the newest answered poll at least `rateWindowMs` old (else the oldest).
  let window = [...model.window];
  if (window.length > 0 && totals.documentsSuccess < window[window.length - 1].copied) {
    window = []; // counters went back: a new process
  }
  window.push({ at: poll.at, copied: totals.documentsSuccess });
  while (window.length > 2 && poll.at - window[1].at >= options.rateWindowMs) window.shift();
  const first = window[0];
  const span = poll.at - first.at;
  const rate = window.length >= 2 && span > 0
    ? Math.max(0, (totals.documentsSuccess - first.copied) / (span / 1000))
    : undefined;

  const base = figures(
    options,
    totals.documentsSuccess,
    totals.documentErrors,
    totals.bulkRequestNumberOfRetries,
    rate,
    stalledPolls,
  );
  let state: ProgressState;
  if (isComplete(options, model.last, poll)) {
    state = { ...base, kind: "complete" };
  } else if (previous !== undefined && totals.documentErrors > previous.documentErrors) {
    const refused = totals.documentErrors - previous.documentErrors;
    state = {
      ...base,
      kind: "failing",
      reason: "document-errors",
      detail: `the target refused ${refused} more document${
        refused === 1 ? "" : "s"
      } since the last poll (${totals.documentErrors} in all, in the dead-letter file)`,
    };
  } else if (unchangedPolls >= options.idlePolls) {
    state = { ...base, kind: "idle", unchangedPolls };
  } else {
    state = { ...base, kind: "running" };
  }
  return {
    options,
    state,
    last: poll,
    window,
    unchangedPolls,
    unreachablePolls: 0,
    stalledPolls,
  };
}

/**
 * The completion test of notes §4.4, on this poll against the previous answered one: every
 * expected document acknowledged, every expected partition (index) completed and none created
 * beyond them left open, every document read answered by the sink (acknowledged or refused) and
 * that count not moving, nothing in flight or buffered, and every pipeline's source polling for
 * work and finding none (`noPartitionsAcquired` rose since the previous poll).
 */
function isComplete(
  options: Required<ProgressOptions>,
  last: Poll | undefined,
  poll: Poll,
): boolean {
  if (last === undefined || options.expectedPartitions <= 0) return false;
  const names = Object.keys(poll.pipelines);
  if (names.length === 0) return false;
  const now = sum(poll.pipelines);
  const before = sum(last.pipelines);
  const answered = now.documentsSuccess + now.documentErrors;
  return now.documentsSuccess >= options.expectedDocuments &&
    now.partitionsCompleted >= options.expectedPartitions &&
    now.partitionsCompleted >= now.partitionsCreated &&
    answered >= now.documentsProcessed &&
    answered === before.documentsSuccess + before.documentErrors &&
    names.every((name) => {
      const pipeline = poll.pipelines[name];
      const previous = last.pipelines[name];
      return pipeline.recordsInFlight === 0 && pipeline.recordsInBuffer === 0 &&
        previous !== undefined && pipeline.noPartitionsAcquired > previous.noPartitionsAcquired;
    });
}

/**
 * Whether anything but `noPartitionsAcquired` moved: that one ticks on every idle poll of the
 * source, so counting it would keep a stuck copy from ever being idle.
 */
function countersChanged(
  before: Record<string, PipelineMetrics>,
  after: Record<string, PipelineMetrics>,
): boolean {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const name of names) {
    const a = before[name];
    const b = after[name];
    if (a === undefined || b === undefined) return true;
    for (const field of Object.keys(PIPELINE_SERIES) as Array<keyof PipelineMetrics>) {
      if (field === "noPartitionsAcquired") continue;
      if (!Object.is(a[field], b[field])) return true;
    }
  }
  return false;
}

/** Every counter at 0: a pipeline that has reported nothing yet. */
export function zeroMetrics(): PipelineMetrics {
  return Object.fromEntries(
    Object.keys(PIPELINE_SERIES).map((field) => [field, 0]),
  ) as unknown as PipelineMetrics;
}

function sum(pipelines: Record<string, PipelineMetrics>): PipelineMetrics {
  const total = zeroMetrics();
  for (const metrics of Object.values(pipelines)) {
    for (const field of Object.keys(total) as Array<keyof PipelineMetrics>) {
      total[field] += metrics[field];
    }
  }
  return total;
}

function figures(
  options: Required<ProgressOptions>,
  copied: number,
  errors: number,
  retries: number,
  docsPerSecond: number | undefined,
  stalledPolls: number,
): ProgressFigures {
  const expected = options.expectedDocuments;
  const percent = expected > 0 ? Math.min(100, (copied / expected) * 100) : 100;
  const left = Math.max(0, expected - copied);
  const etaSeconds = left === 0
    ? 0
    : docsPerSecond !== undefined && docsPerSecond > 0
    ? left / docsPerSecond
    : undefined;
  return {
    copied,
    expected,
    percent,
    errors,
    retries,
    ...(docsPerSecond !== undefined ? { docsPerSecond } : {}),
    ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    stalledPolls,
  };
}
