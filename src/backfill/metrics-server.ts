/**
 * Data Prepper's core HTTP API, served by a native run (`run --metrics-port`), so Prometheus
 * scrapers and a Data Prepper monitor work on it unchanged:
 *
 * - `GET|POST /metrics/prometheus` and `/metrics/sys`: the series of every pipeline
 *   (metrics-text.ts);
 * - `GET|POST /list`: `{"pipelines":[{"name":"..."}]}`;
 * - `POST /shutdown` (other methods 405): hands over to the run's stop, as SIGINT does;
 * - `GET /` and `/status.json`: the status page and what it reads (src/migrate/status-page.ts).
 *
 * While a pipeline has nothing left to do, its `noPartitionsAcquired` counter ticks once a
 * second, as Data Prepper's idle source polls do.
 */
import type { CopyProgress } from "../migrate/engine.ts";
import { listenForMetrics, serverUrl } from "../migrate/serve.ts";
import { statusResponse } from "../migrate/status-page.ts";
import type { StatusJson } from "../migrate/status.ts";
import { metricsText, type PipelineSnapshot, PROMETHEUS_CONTENT_TYPE } from "./metrics-text.ts";

/** The live counters of one pipeline, fed by the run's progress events. */
export class PipelineMetrics {
  #progress?: CopyProgress;
  #idle = false;
  #idlePolls = 0;

  constructor(readonly name: string) {}

  /** Takes the engine's latest counters. */
  update(progress: CopyProgress): void {
    this.#progress = progress;
  }

  /** The pipeline's run is over: each poll from now on finds nothing to do. */
  finish(): void {
    this.#idle = true;
  }

  /** One poll for work: counted when there is none left. */
  poll(): void {
    if (this.#idle) this.#idlePolls++;
  }

  snapshot(): PipelineSnapshot {
    return { name: this.name, progress: this.#progress, idlePolls: this.#idlePolls };
  }
}

/**
 * Answers Data Prepper's paths for `pipelines`; `onShutdown` is called on `POST /shutdown`;
 * `status` gives what the status page shows.
 */
export function metricsHandler(
  pipelines: PipelineMetrics[],
  onShutdown: () => void,
  status?: () => StatusJson,
): (request: Request) => Response {
  const allow = (methods: string[], request: Request, answer: () => Response) =>
    methods.includes(request.method)
      ? answer()
      : new Response(`${request.method} is not allowed here\n`, {
        status: 405,
        headers: { allow: methods.join(", "), "content-type": "text/plain; charset=utf-8" },
      });
  return (request) => {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/metrics/prometheus":
      case "/metrics/sys":
        return allow(
          ["GET", "POST"],
          request,
          () =>
            new Response(metricsText(pipelines.map((pipeline) => pipeline.snapshot())), {
              headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
            }),
        );
      case "/list":
        return allow(["GET", "POST"], request, () =>
          // Data Prepper answers this JSON as text/plain.
          new Response(
            JSON.stringify({ pipelines: pipelines.map((pipeline) => ({ name: pipeline.name })) }),
            { headers: { "content-type": "text/plain; charset=utf-8" } },
          ));
      case "/shutdown":
        return allow(["POST"], request, () => {
          onShutdown();
          return new Response(null, { status: 200 });
        });
      case "/":
      case "/index.html":
      case "/status.json":
        if (status) return allow(["GET", "HEAD"], request, () => statusResponse(path, status)!);
        // falls through: a server without a status has no page
      default:
        return new Response(`no such path: ${path}\n`, {
          status: 404,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
    }
  };
}

/** Where and what to serve. */
export interface MetricsServerOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  pipelines: PipelineMetrics[];
  /** `POST /shutdown`. */
  onShutdown: () => void;
  /** Milliseconds between two polls of an idle pipeline. */
  pollMs?: number;
  /** What `GET /` and `/status.json` show. */
  status?: () => StatusJson;
}

/** A running server. */
export interface MetricsServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:4900`. */
  url: string;
  /** Stops polling and serving, after the requests being answered. */
  close(): Promise<void>;
}

/** Starts serving; see `listenForMetrics`. */
export function serveMetrics(options: MetricsServerOptions): MetricsServer {
  const server = listenForMetrics(
    options.hostname,
    options.port,
    metricsHandler(options.pipelines, options.onShutdown, options.status),
  );
  const poller = setInterval(
    () => options.pipelines.forEach((pipeline) => pipeline.poll()),
    options.pollMs ?? 1000,
  );
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      clearInterval(poller);
      await server.shutdown();
    })();
    return closed;
  };
  return { url: serverUrl(server), close, [Symbol.asyncDispose]: close };
}
