/**
 * Every way of moving the data set from es7 to os2 that the bench compares, each timed the same
 * way: from its start until its target index, refreshed, counts the expected documents.
 */
import { V8_FLAGS_ARGUMENT } from "../src/v8-flags.ts";
import { pathExists } from "../src/fs.ts";
import { buildStandin } from "../tests/harness/dataprepper.ts";
import { countDocuments, datasetIndexBody, type DatasetInfo } from "./dataset.ts";
import { formatCount, formatMiB, log } from "./format.ts";
import {
  deleteIndex,
  indexedSoFar,
  type IndexWork,
  indexWork,
  nodeCpuSeconds,
  sendJson,
  statsDelta,
  type TargetStats,
  targetStats,
} from "./http.ts";
import type { LinkSpec } from "./link.ts";
import { logTail, machineBusySeconds, runMonitored } from "./measure.ts";

const REPO = new URL("../", import.meta.url).pathname;
export const MAIN_TS = `${REPO}src/main.ts`;
const RAW_WRITER_TS = new URL("./raw_writer.ts", import.meta.url).pathname;
export const DATA_PREPPER_BIN = `${REPO}.test-clusters/data-prepper/bin/data-prepper`;

/** Where the bench runs and what it moves. */
export interface BenchContext {
  es7: string;
  os2: string;
  /** Where the contenders read the source: es7, or with `--link` the proxy in front of it. */
  source: string;
  /** `--link`: what the proxy does to the source's traffic. */
  link?: LinkSpec;
  /** Modules os2 loaded (for `_reindex`). */
  os2Modules: string[];
  data: DatasetInfo;
  sourceIndex: string;
  /** Folder for the child processes' logs. */
  logDir: string;
  /** Delete each target index once measured (not with `--keep`). */
  cleanUp: boolean;
  elasticdumpDir: string;
  elasticdumpLimit: number;
  reindexSize: number;
  rawConcurrency: number;
  rawBatchBytes: number;
}

/** One row of the result. */
export interface Row {
  key: string;
  contender: string;
  status: "ok" | "failed" | "not run";
  expected: number;
  /** Documents found in the target after the run and a refresh. */
  docs?: number;
  seconds?: number;
  docsPerSecond?: number;
  mbPerSecond?: number;
  peakRssBytes?: number;
  /** Shown instead of a figure when there is none (`n/a (in the cluster)`). */
  rssNote?: string;
  /** docs/s over the raw ceiling's docs/s. */
  ratio?: number;
  /**
   * CPU seconds used during the run: the tool's process, each node, and the whole machine
   * (the rest is other processes: the bench itself, idle nodes, anything else running).
   */
  cpu?: { tool?: number; es7?: number; os2?: number; machine?: number };
  /**
   * What os2 did meanwhile (`_nodes/stats/indices/...`, after minus before; node-wide, so any
   * other work on os2 counts too). The translog fields are gauges: how much they grew over the
   * run, every index of the node together.
   */
  targetStats?: TargetStats;
  /**
   * The target's own `_stats` once counted (it was created for the run, so these are the run's):
   * index operations, and operations left in its translog outside a Lucene commit.
   */
  targetOwn?: IndexWork;
  /** 1-minute load average when the run started. */
  loadBefore?: number;
  notes: string[];
  command?: string;
  targetIndex?: string;
  /** The tool's own summary, when it prints one. */
  details?: unknown;
  logPath?: string;
}

/** What the work of one contender reports back to {@link measureRun}. */
interface WorkOutcome {
  peakRssBytes?: number;
  rssNote?: string;
  toolCpu?: number;
  notes: string[];
  /** Set when the tool itself failed (exit code, error answer). */
  failure?: string;
  details?: unknown;
  command?: string;
  logPath?: string;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deletes and (unless the tool creates it) re-creates a target with the data set's mapping;
 * `tuned`: with refreshes off (`refresh_interval: -1`; it has no replicas either way).
 */
async function freshTarget(context: BenchContext, index: string, create: boolean, tuned = false) {
  await deleteIndex(context.os2, index);
  if (create) {
    const body = datasetIndexBody(context.data);
    if (tuned) (body.settings as { index: Record<string, unknown> }).index.refresh_interval = "-1";
    await sendJson("PUT", `${context.os2}/${index}`, body);
  }
  // Let the node finish what the previous contender left (merges, deletes) before timing.
  await settle(3000);
}

/**
 * Times `work` from its start until `targetIndex` on os2, refreshed, holds its documents; the
 * count after the refresh is what the row reports (a tool that loses documents shows it).
 */
async function measureRun(
  context: BenchContext,
  spec: {
    key: string;
    contender: string;
    targetIndex: string;
    expected: number;
    bytes: number;
    /** Undoes the run on os2 (default: delete the target index). */
    cleanUp?: () => Promise<void>;
    /**
     * Runs once the work ended, before the final refresh and count, inside the timed span
     * (a tuned target's settings put back).
     */
    afterWork?: () => Promise<void>;
    /** Runs once measured, before the clean-up (with the target as the run left it). */
    afterMeasured?: () => Promise<void>;
  },
  work: () => Promise<WorkOutcome>,
): Promise<Row> {
  log(`${spec.contender}: start (→ ${spec.targetIndex} on os2)`);
  const loadBefore = Deno.loadavg()[0];
  const cpuBefore = await Promise.all([nodeCpuSeconds(context.es7), nodeCpuSeconds(context.os2)]);
  const statsBefore = await targetStats(context.os2);
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  let lastCount = 0;
  let lastTime = started;
  const ticker = setInterval(async () => {
    const indexed = await indexedSoFar(context.os2, spec.targetIndex).catch(() => undefined);
    const now = performance.now();
    if (indexed === undefined) {
      log(`  ${spec.key}: ${((now - started) / 1000).toFixed(0)} s, target not there yet`);
      return;
    }
    log(
      `  ${spec.key}: ${((now - started) / 1000).toFixed(0)} s, ${formatCount(indexed)} ` +
        `indexed on os2 (${formatCount((indexed - lastCount) / ((now - lastTime) / 1000))}/s now)`,
    );
    lastCount = indexed;
    lastTime = now;
  }, 15_000);
  let outcome: WorkOutcome;
  try {
    outcome = await work();
  } catch (error) {
    outcome = { notes: [], failure: (error as Error).message ?? String(error) };
  } finally {
    clearInterval(ticker);
  }
  if (spec.afterWork) {
    try {
      await spec.afterWork();
    } catch (error) {
      outcome.failure ??= (error as Error).message ?? String(error);
    }
  }
  let docs: number | undefined;
  try {
    docs = await countDocuments(context.os2, spec.targetIndex) ?? 0;
  } catch (error) {
    outcome.failure ??= `counting the target failed: ${(error as Error).message}`;
  }
  const seconds = (performance.now() - started) / 1000;
  const machineAfter = machineBusySeconds();
  const cpuAfter = await Promise.all([nodeCpuSeconds(context.es7), nodeCpuSeconds(context.os2)]);
  const statsAfter = await targetStats(context.os2);
  const own = await indexWork(context.os2, spec.targetIndex).catch(() => undefined);
  const delta = (index: number) =>
    cpuAfter[index] !== undefined && cpuBefore[index] !== undefined
      ? cpuAfter[index]! - cpuBefore[index]!
      : undefined;

  const notes = [...outcome.notes];
  if (docs !== undefined && docs !== spec.expected) {
    notes.unshift(
      docs < spec.expected
        ? `LOST ${formatCount(spec.expected - docs)} documents (${formatCount(docs)} of ${
          formatCount(spec.expected)
        } arrived)`
        : `${formatCount(docs - spec.expected)} documents MORE than expected`,
    );
  }
  if (outcome.failure) notes.unshift(`FAILED: ${outcome.failure}`);
  const row: Row = {
    key: spec.key,
    contender: spec.contender,
    status: outcome.failure ? "failed" : "ok",
    expected: spec.expected,
    docs,
    seconds,
    docsPerSecond: docs !== undefined ? docs / seconds : undefined,
    // Bytes of the documents that arrived, so a lossy run does not claim the whole set.
    mbPerSecond: docs !== undefined
      ? spec.bytes * (docs / spec.expected) / 1e6 / seconds
      : undefined,
    peakRssBytes: outcome.peakRssBytes,
    rssNote: outcome.rssNote,
    cpu: {
      tool: outcome.toolCpu,
      es7: delta(0),
      os2: delta(1),
      machine: machineAfter !== undefined && machineBefore !== undefined
        ? machineAfter - machineBefore
        : undefined,
    },
    targetStats: statsBefore && statsAfter ? statsDelta(statsBefore, statsAfter) : undefined,
    targetOwn: own,
    loadBefore,
    notes,
    command: outcome.command,
    targetIndex: spec.targetIndex,
    details: outcome.details,
    logPath: outcome.logPath,
  };
  log(
    `${spec.contender}: ${row.status}, ${formatCount(docs ?? 0)} of ${
      formatCount(spec.expected)
    } documents in ${seconds.toFixed(1)} s (${formatCount(row.docsPerSecond ?? 0)} docs/s` +
      (row.peakRssBytes ? `, peak RSS ${formatMiB(row.peakRssBytes)}` : "") + ")" +
      (notes.length ? `; ${notes.join("; ")}` : ""),
  );
  await spec.afterMeasured?.();
  if (context.cleanUp) {
    await (spec.cleanUp ?? (() => deleteIndex(context.os2, spec.targetIndex)))();
  }
  return row;
}

function parseLastJson(stdout: string): Record<string, unknown> | undefined {
  const start = stdout.indexOf("{");
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start));
  } catch {
    return undefined;
  }
}

/**
 * The ceiling: our BulkWriter fed from the local file, nothing read from a cluster; `tuned`:
 * into a target with refreshes off, put back before the final refresh (inside the timed span).
 */
export async function rawCeiling(context: BenchContext, tuned = false): Promise<Row> {
  const index = tuned ? "bench-raw-tuned" : "bench-raw";
  const key = tuned ? "raw-tuned" : "raw";
  await freshTarget(context, index, true, tuned);
  const args = [
    "run",
    "-A",
    RAW_WRITER_TS,
    "--target",
    context.os2,
    "--index",
    index,
    "--file",
    context.data.path,
    "--concurrency",
    String(context.rawConcurrency),
    "--batch-bytes",
    String(context.rawBatchBytes),
    "--dead-letter",
    `${context.logDir}/${key}.dead-letter.ndjson`,
  ];
  return await measureRun(context, {
    key,
    contender: tuned ? "raw bulk ceiling (target tuned)" : "raw bulk ceiling",
    targetIndex: index,
    expected: context.data.docs,
    bytes: context.data.sourceBytes,
    afterWork: tuned ? () => untune(context, index) : undefined,
  }, async () => {
    const logPath = `${context.logDir}/${key}.log`;
    const result = await runMonitored(Deno.execPath(), args, logPath);
    const summary = parseLastJson(result.stdout);
    const notes = [
      `BulkWriter from the local NDJSON file, --concurrency ${context.rawConcurrency}, ` +
      `batches of ${formatMiB(context.rawBatchBytes)}, no source reads`,
      ...(tuned ? [TUNED_NOTE] : []),
    ];
    if (summary && typeof summary.peak_rss_in_process === "number") {
      notes.push(`Deno.memoryUsage().rss peak ${formatMiB(summary.peak_rss_in_process)}`);
    }
    if (summary && Number(summary.retried) > 0) notes.push(`${summary.retried} retried`);
    if (summary && Number(summary.dead_lettered) > 0) {
      notes.push(`${summary.dead_lettered} dead-lettered`);
    }
    return {
      peakRssBytes: result.peakRssBytes,
      toolCpu: result.cpuSeconds,
      notes,
      details: summary,
      command: `deno run -A bench/raw_writer.ts ${args.slice(3).join(" ")}`,
      logPath,
      failure: result.code !== 0 ? `exit ${result.code}: ${await logTail(logPath, 3)}` : undefined,
    };
  });
}

const TUNED_NOTE = "target created with refresh_interval -1, put back to the default " +
  "before the final refresh (timed)";

/** Puts a tuned target's refresh interval back to the default. */
async function untune(context: BenchContext, index: string): Promise<void> {
  await sendJson("PUT", `${context.os2}/${index}/_settings`, {
    index: { refresh_interval: null },
  });
}

/** One native-engine setting to try. */
export interface NativeVariant {
  key: string;
  label: string;
  flags: string[];
}

/**
 * The engine's defaults (which load the indices it creates with refreshes off and no replicas,
 * put back at the end), the same without that tuning, and more slices and writers.
 */
export const NATIVE_VARIANTS: NativeVariant[] = [
  { key: "native", label: "native engine (defaults)", flags: [] },
  {
    key: "native-untuned",
    label: "native engine (--no-tune-target)",
    flags: ["--no-tune-target"],
  },
  {
    key: "native-8x8",
    label: "native engine (--slices 8 --concurrency 8)",
    flags: ["--slices", "8", "--concurrency", "8"],
  },
];

/**
 * `run --engine native` as a child process, index under its own name on the target;
 * `afterMeasured` runs on the copy before it is rolled back (the verification).
 */
export async function nativeEngine(
  context: BenchContext,
  variant: NativeVariant,
  source: { index: string; docs: number; bytes: number } = {
    index: context.sourceIndex,
    docs: context.data.docs,
    bytes: context.data.sourceBytes,
  },
  afterMeasured?: () => Promise<void>,
): Promise<Row> {
  await freshTarget(context, source.index, false);
  // Kept with the logs: with --keep, `rollback --journal` undoes the run later.
  const journal = `${context.logDir}/${variant.key}.journal.json`;
  // The tool as shipped (src/v8-flags.ts): its memory is part of what is measured.
  const args = [
    "run",
    "-A",
    V8_FLAGS_ARGUMENT,
    MAIN_TS,
    "run",
    "--engine",
    "native",
    "--source",
    context.source,
    "--target",
    context.os2,
    "--include",
    source.index,
    ...variant.flags,
    "--json",
    "--restart",
    "--journal",
    journal,
  ];
  return await measureRun(context, {
    key: variant.key,
    contender: variant.label,
    targetIndex: source.index,
    expected: source.docs,
    bytes: source.bytes,
    cleanUp: () => rollBack(context, journal, source.index),
    afterMeasured,
  }, async () => {
    const logPath = `${context.logDir}/${variant.key}.log`;
    const result = await runMonitored(Deno.execPath(), args, logPath, { cwd: REPO });
    const summary = parseLastJson(result.stdout) as {
      created?: Array<{ kind: string; name: string }>;
      documents?: { copied?: number; dead_lettered?: number; retried?: number };
      elapsed_seconds?: number;
      docs_per_second?: number;
    } | undefined;
    const notes: string[] = [];
    if (summary?.elapsed_seconds !== undefined) {
      notes.push(
        `engine says ${formatCount(summary.docs_per_second ?? 0)} docs/s over its ` +
          `${summary.elapsed_seconds.toFixed(1)} s copy`,
      );
    }
    if (summary?.documents?.retried) {
      notes.push(`${formatCount(summary.documents.retried)} retried after push-back`);
    }
    if (summary?.documents?.dead_lettered) {
      notes.push(`${formatCount(summary.documents.dead_lettered)} dead-lettered`);
    }
    const others = (summary?.created ?? []).filter((item) => item.name !== source.index);
    if (others.length > 0) {
      notes.push(
        `also created on os2 (not selected by --include): ${
          others.map((item) => `${item.kind} ${item.name}`).join(", ")
        }`,
      );
    }
    return {
      peakRssBytes: result.peakRssBytes,
      toolCpu: result.cpuSeconds,
      notes,
      details: summary,
      command: `deno run -A ${V8_FLAGS_ARGUMENT} src/main.ts ${args.slice(4).join(" ")}`
        .replace(context.logDir, "<logs>"),
      logPath,
      failure: result.code !== 0 ? `exit ${result.code}: ${await logTail(logPath, 3)}` : undefined,
    };
  });
}

/** Undoes a native run on os2 from its journal (the index and anything else it created). */
async function rollBack(context: BenchContext, journal: string, index: string): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN_TS, "rollback", "--journal", journal, "--target", context.os2],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    log(
      `  rollback --journal ${journal} failed (${
        new TextDecoder().decode(output.stderr).trim().split("\n").slice(-1)[0]
      }); deleting ${index}`,
    );
  }
  await deleteIndex(context.os2, index);
}

/** elasticdump (npm), one process, scroll reads and bulk writes of `--limit` documents. */
export async function elasticdump(context: BenchContext): Promise<Row> {
  const index = "bench-elasticdump";
  const bin = `${context.elasticdumpDir}/node_modules/elasticdump/bin/elasticdump`;
  const version = await ensureElasticdump(context.elasticdumpDir);
  if (!version.ok) {
    return notRun("elasticdump", "elasticdump", context.data.docs, version.reason);
  }
  await freshTarget(context, index, true);
  const args = [
    bin,
    `--input=${context.source}/${context.sourceIndex}`,
    `--output=${context.os2}/${index}`,
    "--type=data",
    `--limit=${context.elasticdumpLimit}`,
  ];
  return await measureRun(context, {
    key: "elasticdump",
    contender: `elasticdump ${version.reason}`,
    targetIndex: index,
    expected: context.data.docs,
    bytes: context.data.sourceBytes,
  }, async () => {
    const logPath = `${context.logDir}/elasticdump.log`;
    const result = await runMonitored("node", args, logPath);
    const failure = result.code !== 0
      ? `exit ${result.code}: ${await logTail(logPath, 3)}`
      : undefined;
    const tail = result.stdout.trimEnd().split("\n").slice(-2).join(" / ");
    return {
      peakRssBytes: result.peakRssBytes,
      toolCpu: result.cpuSeconds,
      notes: [
        `--limit=${context.elasticdumpLimit} (scroll page and bulk size), one request at a time; ` +
        "target created first with the same mapping",
      ],
      details: { last_lines: tail },
      command: `node ${args.join(" ").replace(REPO, "")}`,
      logPath,
      failure,
    };
  });
}

/** Installs elasticdump into the bench folder once; returns its version. */
async function ensureElasticdump(dir: string): Promise<{ ok: boolean; reason: string }> {
  const manifest = `${dir}/node_modules/elasticdump/package.json`;
  const readVersion = async () =>
    (JSON.parse(await Deno.readTextFile(manifest)) as { version: string }).version;
  try {
    return { ok: true, reason: await readVersion() };
  } catch {
    // not installed yet
  }
  log(`elasticdump: npm install --prefix ${dir} elasticdump`);
  await Deno.mkdir(dir, { recursive: true });
  try {
    const output = await new Deno.Command("npm", {
      args: ["install", "--prefix", dir, "--no-audit", "--no-fund", "elasticdump"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const error = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-2).join(" ");
      return { ok: false, reason: `npm install elasticdump failed: ${error}` };
    }
    return { ok: true, reason: await readVersion() };
  } catch (error) {
    return { ok: false, reason: `npm is not usable here: ${(error as Error).message}` };
  }
}

/**
 * `_reindex` from remote, run by os2 itself, into a target created with the same mapping;
 * `tuned`: with refreshes off, put back before the final refresh (inside the timed span).
 */
export async function reindexFromRemote(context: BenchContext, tuned = false): Promise<Row> {
  const index = tuned ? "bench-reindex-tuned" : "bench-reindex";
  const key = tuned ? "reindex-tuned" : "reindex";
  const contender = tuned ? "_reindex from remote (target tuned)" : "_reindex from remote";
  if (!context.os2Modules.includes("reindex")) {
    return notRun(
      key,
      contender,
      context.data.docs,
      `os2 has no reindex module (modules: ${context.os2Modules.join(", ")})`,
    );
  }
  await freshTarget(context, index, true, tuned);
  const body = {
    source: {
      remote: { host: context.source },
      index: context.sourceIndex,
      size: context.reindexSize,
    },
    dest: { index },
  };
  return await measureRun(context, {
    key,
    contender,
    targetIndex: index,
    expected: context.data.docs,
    bytes: context.data.sourceBytes,
    afterWork: tuned ? () => untune(context, index) : undefined,
  }, async () => {
    const response = await reindex(context, body);
    const text = await response.text();
    let answer: Record<string, unknown> | undefined;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    const failures = (answer?.failures as unknown[] | undefined) ?? [];
    const notes = [
      `source.size ${context.reindexSize}, one scroll (remote reindex cannot slice); ` +
      "target created first with the same mapping",
      ...(tuned ? [TUNED_NOTE] : []),
    ];
    if (answer?.took !== undefined) notes.push(`took ${(Number(answer.took) / 1000).toFixed(1)} s`);
    if (failures.length > 0) notes.push(`${failures.length} failures reported`);
    return {
      rssNote: "n/a (in the cluster)",
      notes,
      details: answer ? { ...answer, failures: failures.slice(0, 3) } : text.slice(0, 2000),
      command: `POST ${context.os2}/_reindex?wait_for_completion=true ${JSON.stringify(body)}`,
      failure: response.ok ? undefined : `${response.status}: ${text.slice(0, 300)}`,
    };
  });
}

/** os2 runs a `_reindex` and answers when it is done. */
function reindex(context: BenchContext, body: unknown): Promise<Response> {
  return fetch(`${context.os2}/_reindex?wait_for_completion=true`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Documents the warm-up copies, at most. */
const WARM_UP_DOCS = 50_000;

/**
 * Warms both nodes before anything is timed: an untimed `_reindex` from remote of the data set's
 * first documents (at most `WARM_UP_DOCS`) into a scratch index with the data set's mapping, then
 * deleted. Just after a node starts, the first contender ran at less than half its later rate
 * (raw ceiling 4 785 docs/s, then 10 807 and 11 779), which moved every ratio to it. Returns
 * what to say of it in the report.
 */
export async function warmUpNodes(context: BenchContext): Promise<string> {
  if (!context.os2Modules.includes("reindex")) {
    return "nodes not warmed up (os2 has no reindex module)";
  }
  const index = "bench-warm-up";
  const docs = Math.min(WARM_UP_DOCS, context.data.docs);
  await freshTarget(context, index, true);
  const started = performance.now();
  const response = await reindex(context, {
    max_docs: docs,
    source: {
      remote: { host: context.es7 },
      index: context.sourceIndex,
      size: context.reindexSize,
    },
    dest: { index },
  });
  const text = await response.text();
  await deleteIndex(context.os2, index);
  if (!response.ok) {
    return `nodes not warmed up (_reindex answered ${response.status}: ${text.slice(0, 200)})`;
  }
  const seconds = (performance.now() - started) / 1000;
  return `nodes warmed up before the first round: an untimed \`_reindex\` from remote of the first ` +
    `${formatCount(docs)} documents (${seconds.toFixed(1)} s), deleted after`;
}

/**
 * Data Prepper with 1 and K pipelines, on the data set spread over six indices (Data Prepper
 * spreads by index). It runs the real Data Prepper of `FM_DATA_PREPPER_HOME` or
 * `.test-clusters/data-prepper` when there is one, else the stand-in home of the tests, whose
 * launcher runs our native engine behind Data Prepper's interface: the row says which, and a
 * stand-in row is never called Data Prepper.
 */
export async function dataPrepper(
  context: BenchContext,
  pipelines: number,
  indices: string[],
): Promise<Row> {
  const real = Deno.env.get("FM_DATA_PREPPER_HOME") ??
    (await pathExists(DATA_PREPPER_BIN)
      ? DATA_PREPPER_BIN.replace(/\/bin\/data-prepper$/, "")
      : undefined);
  const home = real ?? await buildStandin();
  const what = real ? "Data Prepper" : "Data Prepper stand-in (native engine behind its interface)";
  const contender = `${what}, ${pipelines} ${pipelines === 1 ? "pipeline" : "pipelines"}`;
  const key = `dataprepper-${pipelines}`;
  const pattern = indices[0].replace(/-\d+$/, "-*");
  await deleteIndex(context.os2, pattern);
  await settle(3000);
  const pipeline = `${context.logDir}/${key}.pipeline.yaml`;
  await Deno.writeTextFile(
    pipeline,
    `bench:\n  source:\n    opensearch:\n      hosts: ["${context.source}"]\n` +
      `      disable_authentication: true\n      indices:\n        include:\n` +
      `          - index_name_regex: "${pattern.replace("*", "[0-9]+")}"\n` +
      `  sink:\n    - opensearch:\n        hosts: ["${context.os2}"]\n` +
      `        disable_authentication: true\n`,
  );
  const args = [
    ...["run", "-A", MAIN_TS, "run", home, pipeline, "4940"],
    ...["--pipelines", String(pipelines), "--poll-interval", "2", "--json"],
  ];
  return await measureRun(context, {
    key,
    contender,
    targetIndex: pattern,
    expected: context.data.docs,
    bytes: context.data.sourceBytes,
    cleanUp: () => deleteIndex(context.os2, pattern),
  }, async () => {
    const logPath = `${context.logDir}/${key}.log`;
    const result = await runMonitored(Deno.execPath(), args, logPath, {
      cwd: REPO,
      env: { XDG_STATE_HOME: `${context.logDir}/${key}-state` },
    });
    const summary = parseLastJson(result.stdout) as {
      documents?: { pipelines?: number; docs_per_second?: number; elapsed_seconds?: number };
    } | undefined;
    return {
      peakRssBytes: result.peakRssBytes,
      toolCpu: result.cpuSeconds,
      notes: [
        real ? `home ${real}` : "stand-in: not Data Prepper; tests/harness/dataprepper.ts",
        `${summary?.documents?.pipelines ?? "?"} of ${pipelines} pipelines asked, in one process`,
      ],
      details: summary,
      command: `deno run -A src/main.ts ${args.slice(3).join(" ")}`.replace(
        context.logDir,
        "<logs>",
      ),
      logPath,
      failure: result.code !== 0 ? `exit ${result.code}: ${await logTail(logPath, 3)}` : undefined,
    };
  });
}

function notRun(key: string, contender: string, expected: number, reason: string): Row {
  log(`${contender}: ${reason}`);
  return {
    key,
    contender,
    status: "not run",
    expected,
    notes: [reason.startsWith("not run") ? reason : `not run: ${reason}`],
  };
}
