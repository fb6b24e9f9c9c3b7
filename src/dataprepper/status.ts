/**
 * `monitor --serve`: one status page over several engines. An engine of ours (`run --engine
 * native --metrics-port`, each part of a scale-out) serves `/status.json`, read as it is; Data
 * Prepper serves only its metrics, so its row is made from them (documents acknowledged and
 * refused, retries; no index rows, since its series are per pipeline). The sums and the page are
 * src/migrate/status.ts's.
 */
import { serveStatusPage } from "../migrate/serve.ts";
import {
  combineStatuses,
  progressFigures,
  pushPoint,
  RateWindow,
  roundRate,
  type StatusJson,
  type StatusOutcome,
} from "../migrate/status.ts";
import type { PipelineMetrics, ProgressModel } from "./progress.ts";

/** An engine's own status, or undefined when it serves none (Data Prepper) or did not answer. */
export async function readStatus(base: string, timeoutMs = 5_000): Promise<StatusJson | undefined> {
  try {
    const response = await fetch(`${base}/status.json`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const body = await response.json() as Partial<StatusJson>;
    return body.format === "fetch-migration-status/1" ? body as StatusJson : undefined;
  } catch {
    return undefined;
  }
}

/** The metrics of the pipelines one endpoint runs, out of a poll over several (pollAll's keys). */
export function pipelinesOf(
  model: ProgressModel,
  base: string,
  several: boolean,
): PipelineMetrics[] {
  return Object.entries(model.last?.pipelines ?? {})
    .filter(([key]) => !several || key.startsWith(`${base} `))
    .map(([, metrics]) => metrics);
}

/** What the monitor's page shows; fed after every poll. */
export class MonitorStatus {
  readonly #startedAt: number;
  readonly #statuses = new Map<string, StatusJson | undefined>();
  readonly #windows = new Map<string, RateWindow>();
  readonly #total = new RateWindow(30_000);
  readonly #history: Array<[number, number]> = [];
  #outcome?: StatusOutcome;

  constructor(readonly urls: readonly string[], startedAt: number, readonly expected?: number) {
    this.#startedAt = startedAt;
  }

  /** After a poll at `at`: each endpoint's own status, else one made from its metrics. */
  update(model: ProgressModel, own: Array<StatusJson | undefined>, at: number): void {
    this.urls.forEach((url, i) => {
      const pipelines = pipelinesOf(model, url, this.urls.length > 1);
      this.#statuses.set(url, own[i] ?? this.#fromMetrics(url, pipelines, model, at));
    });
    // Data Prepper keeps no history: the page's chart is then the monitor's own.
    const rate = this.#total.add(model.state.copied, at);
    if (rate !== undefined) {
      pushPoint(this.#history, [Math.round((at - this.#startedAt) / 100) / 10, roundRate(rate)]);
    }
  }

  /** The monitor's verdict, shown on the page once it is over. */
  end(outcome: StatusOutcome): void {
    this.#outcome = outcome;
  }

  /** The combined status at `at`. */
  json(at: number): StatusJson {
    const parts = this.urls.map((url) => ({ url, status: this.#statuses.get(url) }));
    const combined = combineStatuses(parts, this.#startedAt, at);
    const expected = this.expected ?? combined.documents_expected;
    return {
      ...combined,
      documents_expected: expected,
      ...progressFigures(combined.documents_copied, expected, combined.docs_per_second),
      rate_history: combined.rate_history.length > 0 ? combined.rate_history : [...this.#history],
      ...(this.#outcome ? { phase: "done", outcome: this.#outcome } : {}),
    };
  }

  /** A Data Prepper endpoint's row: counters only, expected unknown (the page shows the sum). */
  #fromMetrics(
    url: string,
    pipelines: PipelineMetrics[],
    model: ProgressModel,
    at: number,
  ): StatusJson | undefined {
    if (!model.last?.answered && pipelines.length === 0) return undefined;
    const sum = (pick: (m: PipelineMetrics) => number) =>
      pipelines.reduce((total, m) => total + pick(m), 0);
    const copied = sum((m) => m.documentsSuccess);
    const window = this.#windows.get(url) ?? new RateWindow(30_000);
    this.#windows.set(url, window);
    const rate = roundRate(window.add(copied, at) ?? 0);
    const errors = sum((m) => m.documentErrors);
    const retries = sum((m) => m.bulkRequestNumberOfRetries);
    return {
      format: "fetch-migration-status/1",
      command: "monitor",
      phase: model.state.kind === "complete" ? "done" : "copy",
      started_at: new Date(this.#startedAt).toISOString(),
      elapsed_seconds: Math.round((at - this.#startedAt) / 1000),
      documents_copied: copied,
      documents_expected: 0,
      percent: null,
      docs_per_second: rate,
      eta_seconds: null,
      indices: [],
      rate_history: [],
      retries: {
        total: retries,
        by_reason: retries ? { "bulk requests sent again": retries } : {},
      },
      dead_letters: {
        total: errors,
        by_reason: errors ? { "refused by the target (documentErrors)": errors } : {},
      },
    };
  }
}

/** A monitor's page being served. */
export interface ServedStatus extends AsyncDisposable {
  url: string;
  /** Resolves on `POST /shutdown` to the monitor, SIGINT or SIGTERM: the page may go. */
  over(): Promise<void>;
}

/** Serves the page and `/status.json` of a monitor until disposed. */
export function serveMonitorStatus(
  where: { host: string; port: number },
  status: () => StatusJson,
): ServedStatus {
  const done = Promise.withResolvers<void>();
  const served = serveStatusPage(where, status, {
    onShutdown: () => done.resolve(),
    flags: { host: "--serve-host", port: "--serve" },
  });
  const onSignal = () => done.resolve();
  return {
    url: served.url,
    over: async () => {
      Deno.addSignalListener("SIGINT", onSignal);
      Deno.addSignalListener("SIGTERM", onSignal);
      try {
        await done.promise;
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
        Deno.removeSignalListener("SIGTERM", onSignal);
      }
    },
    [Symbol.asyncDispose]: () => served[Symbol.asyncDispose](),
  };
}
