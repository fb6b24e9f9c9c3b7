import type { Command } from "../deps.ts";
import { ClusterClient, type EndpointRole } from "../cluster/client.ts";
import type { EndpointConfig } from "../config/types.ts";
import { redactUrl } from "../config/redact.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  onePipelineName,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { HELP_GROUPS, inGroup } from "./help.ts";
import { printJson, printSummary } from "./output.ts";
import { printVerdict, type Verdict } from "./verdict.ts";
import { type ClusterSummary, readClusterSummary } from "../cluster/summary.ts";

/** One side as `info --json` prints it: keys in snake_case, as every command's JSON. */
export interface InfoSide {
  url: string;
  distribution: ClusterSummary["distribution"];
  version: string;
  cluster_name: string;
  health: string;
  index_count: number;
  system_index_count: number;
}

/** What `info --json` prints: one summary per side, or the error that side gave. */
export interface InfoResult {
  status: "succeeded" | "failed";
  source: InfoSide | { url: string; error: string };
  target: InfoSide | { url: string; error: string };
}

/** Registers `info`: connect to both clusters and describe them. */
export function registerInfo(program: Command): void {
  const command = program
    .command("info")
    .summary("show both clusters: distribution, version, health, indices")
    .description(
      "connect to source and target and print, for each, distribution, version, health and " +
        "index count",
    );
  addEndpointOptions(command, { pipelineName: onePipelineName("info") });
  inGroup(
    command,
    HELP_GROUPS.output,
    () => command.option("--json", "print the result as JSON on stdout"),
  );
  command.action(async (options: EndpointOptionValues & { json?: boolean }) => {
    const endpoints = await resolveEndpoints(options);
    const [source, target] = await Promise.allSettled([
      describe(endpoints.source, "source"),
      describe(endpoints.target, "target"),
    ]);
    const result: InfoResult = {
      status: [source, target].every((side) => side.status === "fulfilled")
        ? "succeeded"
        : "failed",
      source: settledOrError(source, endpoints.source),
      target: settledOrError(target, endpoints.target),
    };
    if (options.json) printJson(result);
    // A failed side's error is printed as the error itself, so -q still shows it.
    else printSummary(formatInfo(result));
    printVerdict(infoVerdict(result));
    // Both sides were tried so the operator sees every problem at once; the first one decides
    // the exit code.
    const failure = [source, target].find((s) => s.status === "rejected");
    if (failure?.status === "rejected") throw failure.reason;
  });
}

async function describe(endpoint: EndpointConfig, role: EndpointRole): Promise<ClusterSummary> {
  const client = new ClusterClient(endpoint, { role });
  try {
    return await readClusterSummary(client);
  } finally {
    client.close();
  }
}

function settledOrError(
  settled: PromiseSettledResult<ClusterSummary>,
  endpoint: EndpointConfig,
): InfoResult["source"] {
  if (settled.status === "fulfilled") {
    const summary = settled.value;
    return {
      url: summary.url,
      distribution: summary.distribution,
      version: summary.version,
      cluster_name: summary.clusterName,
      health: summary.health,
      index_count: summary.indices,
      system_index_count: summary.systemIndices,
    };
  }
  const reason = settled.reason;
  return {
    url: redactUrl(endpoint.url),
    error: reason instanceof Error ? reason.message : String(reason),
  };
}

/** Whether both clusters answered, in words: `both clusters answer: ... → ...`. */
export function infoVerdict(result: InfoResult): Verdict {
  const side = (s: InfoResult["source"]) =>
    "error" in s ? undefined : `${s.distribution} ${s.version} (${s.health})`;
  const [source, target] = [side(result.source), side(result.target)];
  if (source && target) return { ok: true, text: `both clusters answer: ${source} → ${target}` };
  const down = [source ? undefined : "source", target ? undefined : "target"].filter(Boolean);
  return { ok: false, text: `the ${down.join(" and the ")} could not be read (error below)` };
}

/** Human text for `info`, one block per cluster. */
export function formatInfo(result: InfoResult): string {
  const block = (role: string, side: InfoResult["source"]): string => {
    if ("error" in side) return `${role}: ${side.url}\n  unavailable: ${side.error}`;
    return [
      `${role}: ${side.url}`,
      `  ${side.distribution} ${side.version} (cluster "${side.cluster_name}")`,
      `  health: ${side.health}`,
      `  indices: ${side.index_count} (plus ${side.system_index_count} system or hidden)`,
    ].join("\n");
  };
  return `${block("source", result.source)}\n${block("target", result.target)}`;
}
