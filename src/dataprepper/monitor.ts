/**
 * Watches one or more Data Prepper metrics endpoints (or `run --engine native --metrics-port`,
 * which serves the same interface): each poll reads `/metrics/prometheus`, finds the pipelines
 * (from `/list`, else from the series names) and feeds the progress model. I/O; the decisions
 * are the model's (progress.ts).
 */
import { pause } from "../abort.ts";
import { parsePrometheusText, type Sample } from "./prometheus.ts";
import {
  createProgress,
  nextState,
  type PipelineMetrics,
  pipelineMetrics,
  type Poll,
  type ProgressModel,
  type ProgressOptions,
} from "./progress.ts";

/** What one scrape of one endpoint found. */
export interface Scrape {
  answered: boolean;
  pipelines: Record<string, PipelineMetrics>;
}

/** A metrics endpoint's base URL (`http://host:4900`), without a trailing slash. */
export function endpointBase(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/metrics\/(prometheus|sys)$/, "");
}

/** The pipelines an endpoint runs: its `/list`, else the names in its series. */
export async function pipelineNames(
  base: string,
  samples: readonly Sample[],
  timeoutMs: number,
): Promise<string[]> {
  try {
    const response = await fetch(`${base}/list`, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) {
      const body = JSON.parse(await response.text()) as { pipelines?: Array<{ name?: string }> };
      const names = (body.pipelines ?? []).map((p) => p.name).filter((n): n is string => !!n);
      if (names.length > 0) return names;
    } else await response.body?.cancel();
  } catch {
    // Older releases or a proxy without /list: read the names off the series.
  }
  const suffix = "_opensearch_documentsSuccess";
  return [
    ...new Set(
      samples.map((s) => s.name.replace(/_total$/, ""))
        .filter((name) => name.endsWith(suffix))
        .map((name) => name.slice(0, -suffix.length)),
    ),
  ];
}

/** Reads one endpoint once; an endpoint that does not answer is `answered: false`. */
export async function scrape(base: string, timeoutMs = 10_000): Promise<Scrape> {
  let text: string;
  try {
    const response = await fetch(`${base}/metrics/prometheus`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { answered: false, pipelines: {} };
    }
    text = await response.text();
  } catch {
    return { answered: false, pipelines: {} };
  }
  const samples = parsePrometheusText(text);
  const pipelines: Record<string, PipelineMetrics> = {};
  for (const name of await pipelineNames(base, samples, timeoutMs)) {
    pipelines[name] = pipelineMetrics(samples, name);
  }
  return { answered: true, pipelines };
}

/**
 * One poll over every endpoint: answered only when all answered; pipelines keyed
 * `<endpoint> <name>` when there are several endpoints (names may repeat across nodes).
 */
export async function pollAll(bases: readonly string[], at: number): Promise<Poll> {
  const scrapes = await Promise.all(bases.map((base) => scrape(base)));
  const pipelines: Record<string, PipelineMetrics> = {};
  scrapes.forEach((found, i) => {
    for (const [name, metrics] of Object.entries(found.pipelines)) {
      pipelines[bases.length > 1 ? `${bases[i]} ${name}` : name] = metrics;
    }
  });
  return { at, answered: scrapes.every((found) => found.answered), pipelines };
}

/** Options of {@link watch}. */
export interface WatchOptions extends ProgressOptions {
  intervalMs: number;
  signal?: AbortSignal;
  /** Checked before each poll; a string ends the watch as `exited` with that text. */
  exited?: () => string | undefined;
}

/**
 * Polls every `intervalMs` and yields the model after each poll, until it is `complete`, `idle`,
 * `failing` or `exited`, or the signal fires (then it returns with the last model).
 */
export async function* watch(
  bases: readonly string[],
  options: WatchOptions,
): AsyncGenerator<ProgressModel> {
  let model = createProgress(options);
  for (;;) {
    if (options.signal?.aborted) return;
    const gone = options.exited?.();
    if (gone !== undefined) {
      yield { ...model, state: { ...model.state, kind: "exited" } };
      return;
    }
    model = nextState(model, await pollAll(bases, performance.now()));
    yield model;
    if (model.state.kind !== "running") return;
    // A stop ends the wait at once; the loop then returns.
    await pause(options.intervalMs, options.signal).catch(() => {});
  }
}
