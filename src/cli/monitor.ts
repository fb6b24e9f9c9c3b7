/**
 * `monitor <url>... [target-count]`: the original tool's monitor, for Data Prepper or for `run
 * --engine native --metrics-port`: watches the metrics endpoints until the copy is complete,
 * then shuts the engines down (unless `--no-shutdown`). Renders the progress model's states.
 */
import { type Command, Option } from "../deps.ts";
import { portNumber, positiveInteger, positiveNumber } from "./option-parsers.ts";
import { MonitorStatus, readStatus, serveMonitorStatus } from "../dataprepper/status.ts";
import { endpointBase, watch } from "../dataprepper/monitor.ts";
import type { ProgressModel } from "../dataprepper/progress.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import { formatCount } from "../backfill/progress.ts";
import { plural } from "../text.ts";
import { HELP_GROUPS, inGroup } from "./help.ts";
import { printHuman, printJson, printSummary } from "./output.ts";
import { ProgressPrinter } from "./progress.ts";
import { printVerdict } from "./verdict.ts";

type MonitorOptions = {
  serve?: number;
  serveHost: string;
  exitWhenDone?: boolean;
  pollInterval: number;
  idlePolls: number;
  shutdown: boolean;
  insecure?: boolean;
  json?: boolean;
};

/** Splits `<url>... [target-count]`: a last argument that is a number is the count. */
export function monitorArguments(args: string[]): { urls: string[]; targetCount?: number } {
  const last = args[args.length - 1];
  const counted = last !== undefined && /^\d+$/.test(last);
  const urls = counted ? args.slice(0, -1) : args;
  if (urls.length === 0) {
    throw new BadInputError(
      "monitor needs the URL of at least one metrics endpoint",
      "e.g. fetch-migration monitor http://localhost:4900 250000",
    );
  }
  for (const url of urls) {
    if (!/^https?:\/\/[^/]/.test(url)) {
      throw new BadInputError(
        `"${url}" is not an http(s) URL`,
        `write the endpoint with its scheme, e.g. http://${url.replace(/^\w+:\/\//, "")}`,
      );
    }
  }
  return { urls: urls.map(endpointBase), targetCount: counted ? Number(last) : undefined };
}

/** Registers `monitor`. */
export function registerMonitor(program: Command): void {
  const command = program
    .command("monitor")
    .summary("watch Data Prepper's metrics until every document arrived")
    .description(
      "watch Data Prepper (or run --engine native --metrics-port) through its Prometheus " +
        "metrics until every document arrived, then shut it down; exit 0 when complete, 1 when " +
        "it stalls, fails or goes away",
    )
    .argument(
      "<args...>",
      "<url>... [target-count]: metrics endpoints, then the documents to expect",
    );
  inGroup(command, "Monitor:", () =>
    command
      .option("--poll-interval <seconds>", "seconds between two polls", positiveNumber, 30)
      .option("--idle-polls <n>", "polls without any change before giving up", positiveInteger, 5)
      .option("--no-shutdown", "only watch: do not POST /shutdown when complete")
      .option("--insecure", "accepted for the original tool's scripts; endpoints are plain http"));
  inGroup(command, HELP_GROUPS.output, () =>
    command
      .option("--json", "print the result as JSON on stdout")
      .option(
        "--serve <port>",
        "serve a status page over every endpoint at http://HOST:PORT/ (JSON at /status.json)",
        portNumber,
      )
      .addOption(
        new Option("--serve-host <host>", "address to serve the status page on")
          .default("127.0.0.1", "127.0.0.1"),
      )
      .option(
        "--exit-when-done",
        "with --serve: exit when the copy is over instead of serving the final page until " +
          "Ctrl-C, SIGTERM or POST /shutdown",
      ));
  command
    .action(async (args: string[], options: MonitorOptions) => {
      const { urls, targetCount } = monitorArguments(args);
      const result = await monitor(urls, targetCount, options);
      if (options.json) printJson(result.json);
      if (result.failure) throw result.failure;
    });
}

async function monitor(
  urls: string[],
  targetCount: number | undefined,
  options: MonitorOptions,
): Promise<{ json: Record<string, unknown>; failure?: FetchMigrationError }> {
  printSummary(
    `watching ${urls.join(", ")} every ${options.pollInterval}s` +
      (targetCount !== undefined ? ` for ${formatCount(targetCount)} documents` : ""),
  );
  const printer = new ProgressPrinter({ perIndex: urls.length > 1 });
  const page = options.serve === undefined
    ? undefined
    : new MonitorStatus(urls, Date.now(), targetCount);
  await using served = page &&
    serveMonitorStatus(
      { host: options.serveHost, port: options.serve! },
      () => page.json(Date.now()),
    );
  if (served) printSummary(`status page at ${served.url}/ (JSON at ${served.url}/status.json)`);
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  let last: ProgressModel | undefined;
  try {
    for await (
      const model of watch(urls, {
        expectedDocuments: targetCount ?? 0,
        // Unknown here: every partition the engines created must complete.
        expectedPartitions: 1,
        idlePolls: options.idlePolls,
        intervalMs: options.pollInterval * 1000,
        signal: interrupt.signal,
      })
    ) {
      last = model;
      page?.update(model, await Promise.all(urls.map((url) => readStatus(url))), Date.now());
      printer.update({
        copied: model.state.copied,
        expected: targetCount ?? model.state.copied,
        perIndex: Object.fromEntries(
          Object.entries(model.last?.pipelines ?? {}).map(([name, metrics]) => [
            name,
            { copied: metrics.documentsSuccess, expected: targetCount ?? 0 },
          ]),
        ),
      });
    }
  } finally {
    printer.finish();
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  const state = last?.state;
  const result = await verdict(urls, targetCount, options, last, interrupt.signal.aborted);
  if (served) {
    page!.end({
      status: result.failure ? (interrupt.signal.aborted ? "interrupted" : "failed") : "succeeded",
      message: result.failure?.message ??
        `complete: ${formatCount(state?.copied ?? 0)} documents`,
    });
    if (!options.exitWhenDone && !interrupt.signal.aborted) {
      printSummary(
        `serving the final status at ${served.url}/ until POST ${served.url}/shutdown, ` +
          "SIGINT or SIGTERM (--exit-when-done exits at once)",
      );
      await served.over();
    }
  }
  return result;
}

/** What the watch came to; shuts the engines down when complete (unless --no-shutdown). */
async function verdict(
  urls: string[],
  targetCount: number | undefined,
  options: MonitorOptions,
  last: ProgressModel | undefined,
  interrupted: boolean,
): Promise<{ json: Record<string, unknown>; failure?: FetchMigrationError }> {
  const state = last?.state;
  const json = {
    status: interrupted ? "interrupted" : state?.kind === "complete" ? "succeeded" : "failed",
    reason: interrupted ? "interrupted" : state?.kind ?? "no answer",
    documents: {
      copied: state?.copied ?? 0,
      expected: targetCount ?? null,
      dead_lettered: state?.errors ?? 0,
    },
    pipelines: Object.keys(last?.last?.pipelines ?? {}),
  };
  if (interrupted) {
    return {
      json,
      failure: new FetchMigrationError(
        "interrupted",
        "monitor stopped; the engines were left running",
      ),
    };
  }
  if (state?.kind === "complete") {
    printSummary(
      `complete: ${formatCount(state.copied)} documents in ${
        plural(json.pipelines.length, "pipeline")
      }`,
    );
    if (options.shutdown) {
      for (const url of urls) {
        await fetch(`${url}/shutdown`, { method: "POST" }).then((r) => r.body?.cancel()).catch(
          (error) => printHuman(`warning: POST ${url}/shutdown failed: ${error}`),
        );
      }
      printSummary(`sent /shutdown to ${plural(urls.length, "endpoint")}`);
    }
    printVerdict({
      ok: true,
      text: `the copy is complete: ${formatCount(state.copied)} documents arrived` +
        (targetCount !== undefined ? ` of ${formatCount(targetCount)} expected` : ""),
    });
    return { json };
  }
  const detail = state?.kind === "failing"
    ? (state as { detail: string }).detail
    : state?.kind === "idle"
    ? `no change for ${options.idlePolls} polls`
    : "the endpoints stopped answering";
  printVerdict({
    ok: false,
    text: `the copy is not complete: ${formatCount(state?.copied ?? 0)}` +
      (targetCount !== undefined ? ` of ${formatCount(targetCount)}` : "") +
      ` documents arrived (${state?.kind ?? "no answer"})`,
  });
  return {
    json,
    failure: new FetchMigrationError(
      "incomplete",
      `the copy is not complete (${state?.kind ?? "no answer"}: ${detail}); ` +
        `${formatCount(state?.copied ?? 0)}` +
        (targetCount !== undefined ? ` of ${formatCount(targetCount)}` : "") +
        " documents arrived",
      "look at the engine's log; the engines were not shut down",
    ),
  };
}
