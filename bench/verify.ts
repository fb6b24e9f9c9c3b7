/**
 * `verify --checksums` of the native engine's copy, timed right after it: both clusters read
 * whole and every document hashed, the proof an operator runs before cutover. Its rate is
 * documents per side per second (each side holds the data set once).
 */
import { V8_FLAGS_ARGUMENT } from "../src/v8-flags.ts";
import { type BenchContext, MAIN_TS } from "./contenders.ts";
import { fixed, formatCount, formatMiB, log, markdownTable } from "./format.ts";
import { nodeCpuSeconds } from "./http.ts";
import { logTail, runMonitored } from "./measure.ts";

const REPO = new URL("../", import.meta.url).pathname;

/** What one timed `verify --checksums` did. */
export interface VerifyMeasure {
  status: "ok" | "failed";
  /** Documents of the index on each side. */
  documents: number;
  seconds: number;
  docsPerSecond: number;
  peakRssBytes?: number;
  cpu: { tool?: number; es7?: number; os2?: number };
  /** The tool's verdict line, or why it failed. */
  outcome: string;
  command: string;
}

/** Runs `verify --checksums` of `index` between the source and os2 as a child process. */
export async function verifyCopy(
  context: BenchContext,
  index: string,
  documents: number,
): Promise<VerifyMeasure> {
  const args = [
    "run",
    "-A",
    V8_FLAGS_ARGUMENT,
    MAIN_TS,
    "verify",
    "--checksums",
    "--source",
    context.source,
    "--target",
    context.os2,
    "--include",
    index,
  ];
  log(`verify --checksums of ${index}: start`);
  const cpuBefore = await Promise.all([nodeCpuSeconds(context.es7), nodeCpuSeconds(context.os2)]);
  const started = performance.now();
  const logPath = `${context.logDir}/verify.log`;
  const result = await runMonitored(Deno.execPath(), args, logPath, { cwd: REPO });
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = await Promise.all([nodeCpuSeconds(context.es7), nodeCpuSeconds(context.os2)]);
  const delta = (at: number) =>
    cpuAfter[at] !== undefined && cpuBefore[at] !== undefined
      ? cpuAfter[at]! - cpuBefore[at]!
      : undefined;
  const verdict = await verdictLine(logPath);
  const measure: VerifyMeasure = {
    status: result.code === 0 ? "ok" : "failed",
    documents,
    seconds,
    docsPerSecond: documents / seconds,
    peakRssBytes: result.peakRssBytes,
    cpu: { tool: result.cpuSeconds, es7: delta(0), os2: delta(1) },
    outcome: result.code === 0 ? verdict : `exit ${result.code}: ${await logTail(logPath, 3)}`,
    command: `deno run -A ${V8_FLAGS_ARGUMENT} src/main.ts ${args.slice(4).join(" ")}`,
  };
  log(
    `verify --checksums: ${measure.status} in ${seconds.toFixed(1)} s (${
      formatCount(measure.docsPerSecond)
    } docs/s per side${
      measure.peakRssBytes ? `, peak RSS ${formatMiB(measure.peakRssBytes)}` : ""
    }): ${measure.outcome}`,
  );
  return measure;
}

/** The tool's last line on stderr (its verdict), from the child's log. */
async function verdictLine(logPath: string): Promise<string> {
  const text = await Deno.readTextFile(logPath);
  const stderr = text.slice(0, text.lastIndexOf("--- stdout ---"));
  return stderr.trim().split("\n").slice(-1)[0] ?? "";
}

/** The report's table of a verification. */
export function verifyTable(measure: VerifyMeasure): string {
  const seconds = (value: number | undefined) => value === undefined ? "–" : fixed(value, 1);
  return markdownTable(
    [
      "documents per side",
      "seconds",
      "docs/s per side",
      "peak RSS",
      "tool CPU s",
      "es7 CPU s",
      "os2 CPU s",
      "result",
    ],
    [[
      formatCount(measure.documents),
      fixed(measure.seconds, 1),
      formatCount(measure.docsPerSecond),
      measure.peakRssBytes ? formatMiB(measure.peakRssBytes) : "–",
      seconds(measure.cpu.tool),
      seconds(measure.cpu.es7),
      seconds(measure.cpu.os2),
      `${measure.status === "ok" ? "" : "FAILED: "}${measure.outcome}`,
    ]],
  );
}
