/**
 * `deno task bench`: the native engine against every other way to move the same documents from
 * Elasticsearch 7.10 (es7) to OpenSearch 2.19 (os2) on this machine.
 *
 *   deno task bench [--docs 1000000] [--only raw,native,elasticdump,reindex,dataprepper]
 *                   [--data bench|small] [--link LATENCY,BANDWIDTH] [--keep]
 *                   [--memory-docs 100000] [--elasticdump-limit 1000]
 *                   [--reindex-size 1000] [--raw-concurrency 4] [--raw-batch-bytes 5242880]
 *   deno task bench --sync [--sync-docs 100000] [--sync-seconds 60] [--sync-rate 200]
 *                   [--sync-delete-docs 1000000] [--sync-delete-data small|bench]
 *                   [--sync-deletes-every 1]
 *
 * `--sync` measures `sync` instead (bench/sync.ts): its lag under a writer, and the cost of one
 * delete-finding pass; it writes `bench/results/<UTC time>-sync.md` and `.json`.
 *
 * `--data small` moves small documents (~120 bytes) instead of the ~1.1 KB ones; `--link 20ms,50MB`
 * makes every contender read the source through a Toxiproxy proxy with that latency and bandwidth
 * on each direction (bench/link.ts).
 *
 * Prints a Markdown table on stdout, progress on stderr, and writes the table and the raw numbers
 * to `bench/results/<UTC time>.md` and `.json`. See bench/README.md.
 */
import { ensureNodes } from "../tests/harness/mod.ts";
import { countFlag, type Flags, parseFlags, stringFlag } from "./args.ts";
import {
  type BenchContext,
  dataPrepper,
  elasticdump,
  MAIN_TS,
  NATIVE_VARIANTS,
  nativeEngine,
  type NativeVariant,
  rawCeiling,
  reindexFromRemote,
  type Row,
  warmUpNodes,
} from "./contenders.ts";
import {
  BENCH_DIR,
  DATASET_KINDS,
  datasetIndexName,
  type DatasetInfo,
  type DatasetKind,
  ensureDatasetFile,
  ensureSourceIndex,
  ensureSplitSourceIndices,
  SHARDS,
} from "./dataset.ts";
import { fileTimestamp, fixed, formatCount, formatMiB, log, markdownTable } from "./format.ts";
import { verifyCopy, type VerifyMeasure, verifyTable } from "./verify.ts";
import { medianBy, medianRows, type RoundRow } from "./rounds.ts";
import { clusterVersion } from "./http.ts";
import { describeLink, type Link, LINK_PORT, type LinkSpec, openLink, parseLink } from "./link.ts";
import { runSyncBench, type SyncBenchOptions, syncReport } from "./sync.ts";
import { type NodeNotProfiled, type NodeProfile, profileNodes, profileSection } from "./profile.ts";

const CONTENDERS = ["raw", "native", "elasticdump", "reindex", "dataprepper"] as const;
type ContenderKey = typeof CONTENDERS[number];

const USAGE = `usage: deno task bench [--docs N] [--only ${CONTENDERS.join(",")}] [--keep]
  [--data bench|small] [--link LATENCY,BANDWIDTH (e.g. 20ms,50MB: source read through Toxiproxy)]
  [--memory-docs N (0: skip)] [--elasticdump-limit N] [--reindex-size N]
  [--raw-concurrency N] [--raw-batch-bytes BYTES] [--rounds N (contenders taken in turns N times)]
  [--profile-nodes (an extra, untimed native run with Java Flight Recorder in es7 and os2)]
       deno task bench --sync [--sync-docs N] [--sync-seconds N] [--sync-rate N]
  [--sync-delete-docs N (0: skip)] [--sync-delete-data small|bench] [--sync-deletes-every N]`;

interface Options {
  docs: number;
  only: Set<ContenderKey>;
  keep: boolean;
  /** `--data`: the ~1.1 KB documents (`bench`) or small ones. */
  data: DatasetKind;
  /** `--link`: the source read through a Toxiproxy proxy with this latency and bandwidth. */
  link?: LinkSpec;
  memoryDocs: number;
  elasticdumpLimit: number;
  reindexSize: number;
  rawConcurrency: number;
  rawBatchBytes: number;
  /** `--rounds`: every contender this many times, taken in turns; the report shows medians. */
  rounds: number;
  /** `--sync`: measure sync (bench/sync.ts) instead of the contenders. */
  sync?: SyncBenchOptions;
  /** `--profile-nodes`: one more native run, untimed, with the nodes' CPU sampled (profile.ts). */
  profileNodes: boolean;
}

function readOptions(args: string[]): Options {
  let flags: Flags;
  try {
    flags = parseFlags(args, [
      "docs",
      "only",
      "memory-docs",
      "elasticdump-limit",
      "reindex-size",
      "raw-concurrency",
      "raw-batch-bytes",
      "rounds",
      "data",
      "link",
      "sync-docs",
      "sync-seconds",
      "sync-rate",
      "sync-delete-docs",
      "sync-deletes-every",
      "sync-delete-data",
    ], ["keep", "help", "sync", "profile-nodes"]);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  if (flags.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  try {
    const onlyText = stringFlag(flags, "only");
    const only = new Set<ContenderKey>();
    for (const name of onlyText ? onlyText.split(",").map((part) => part.trim()) : CONTENDERS) {
      if (!CONTENDERS.includes(name as ContenderKey)) {
        throw new Error(`--only: unknown contender "${name}" (one of ${CONTENDERS.join(", ")})`);
      }
      only.add(name as ContenderKey);
    }
    const data = stringFlag(flags, "data", "bench");
    if (!DATASET_KINDS.includes(data as DatasetKind)) {
      throw new Error(`--data expects ${DATASET_KINDS.join(" or ")}, got "${data}"`);
    }
    const linkText = stringFlag(flags, "link");
    return {
      docs: countFlag(flags, "docs", 1_000_000, 1),
      only,
      keep: flags.keep === true,
      data: data as DatasetKind,
      link: linkText !== undefined ? parseLink(linkText) : undefined,
      memoryDocs: countFlag(flags, "memory-docs", 100_000, 0),
      elasticdumpLimit: countFlag(flags, "elasticdump-limit", 1000, 1),
      reindexSize: countFlag(flags, "reindex-size", 1000, 1),
      rawConcurrency: countFlag(flags, "raw-concurrency", 4, 1),
      rawBatchBytes: countFlag(flags, "raw-batch-bytes", 5 * 1024 ** 2, 1024),
      rounds: countFlag(flags, "rounds", 1, 1),
      profileNodes: flags["profile-nodes"] === true,
      sync: flags.sync
        ? {
          docs: countFlag(flags, "sync-docs", 100_000, 1000),
          seconds: countFlag(flags, "sync-seconds", 60, 5),
          rate: countFlag(flags, "sync-rate", 200, 3),
          deleteDocs: countFlag(flags, "sync-delete-docs", 1_000_000, 0),
          deletesEvery: countFlag(flags, "sync-deletes-every", 1, 1),
          deleteData: deleteData(stringFlag(flags, "sync-delete-data", "small")),
        }
        : undefined,
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
}

/** `--sync-delete-data`: small documents, or the bench data set's. */
function deleteData(text: string): SyncBenchOptions["deleteData"] {
  if (text !== "small" && text !== "bench") {
    throw new Error(`--sync-delete-data expects small or bench, got "${text}"`);
  }
  return text;
}

/** Runs `deno run src/main.ts --help` once so the first timed run does not pay for a cold cache. */
async function warmUp(): Promise<void> {
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN_TS, "--help"],
    stdout: "null",
    stderr: "null",
  }).output();
}

async function environment(es7: string, os2: string) {
  const git = await new Deno.Command("git", {
    args: ["rev-parse", "--short", "HEAD"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  const memory = Deno.systemMemoryInfo();
  return {
    date: new Date().toISOString(),
    git: git?.success ? new TextDecoder().decode(git.stdout).trim() : undefined,
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    memory_gib: Math.round(memory.total / 1024 ** 3),
    loadavg: Deno.loadavg(),
    source: { url: es7, version: await clusterVersion(es7) },
    target: { url: os2, version: await clusterVersion(os2) },
  };
}

function ratioText(row: Row): string {
  if (row.key === "raw" && row.status === "ok") return "1.00× (ceiling)";
  return row.ratio !== undefined ? `${row.ratio.toFixed(2)}×` : "–";
}

function rssText(row: Row): string {
  if (row.rssNote) return row.rssNote;
  return row.peakRssBytes ? formatMiB(row.peakRssBytes) : "–";
}

function mainTable(rows: Row[]): string {
  return markdownTable(
    ["contender", "docs", "seconds", "docs/s", "MB/s", "peak RSS", "ratio to ceiling", "notes"],
    rows.map((row) => [
      row.contender,
      row.docs !== undefined ? formatCount(row.docs) : "–",
      fixed(row.seconds, 1),
      row.docsPerSecond !== undefined ? formatCount(row.docsPerSecond) : "–",
      fixed(row.mbPerSecond, 1),
      rssText(row),
      ratioText(row),
      row.notes.join("; "),
    ]),
  );
}

function cpuTable(rows: Row[]): string {
  const cores = navigator.hardwareConcurrency;
  const measured = rows.filter((row) => row.status !== "not run" && row.seconds);
  return markdownTable(
    [
      "contender",
      "wall s",
      "tool CPU s",
      "es7 CPU s",
      "os2 CPU s",
      "other CPU s",
      `machine busy (of ${cores} cores)`,
      "load avg at start",
    ],
    measured.map((row) => {
      const cpu = row.cpu ?? {};
      const ours = (cpu.tool ?? 0) + (cpu.es7 ?? 0) + (cpu.os2 ?? 0);
      const machine = cpu.machine;
      return [
        row.contender,
        fixed(row.seconds, 1),
        cpu.tool !== undefined ? fixed(cpu.tool, 1) : "in os2",
        fixed(cpu.es7, 1),
        fixed(cpu.os2, 1),
        machine !== undefined ? fixed(Math.max(0, machine - ours), 1) : "–",
        machine !== undefined ? `${Math.round((machine / (row.seconds! * cores)) * 100)} %` : "–",
        fixed(row.loadBefore, 2),
      ];
    }),
  );
}

/** Thousands of documents that arrived, for the per-document columns. */
function perThousand(value: number, row: Row): string {
  return row.docs ? fixed(value / (row.docs / 1000), 1) : "–";
}

function targetTable(rows: Row[]): string | undefined {
  const measured = rows.filter((row) => row.status !== "not run" && row.targetStats);
  if (measured.length === 0) return undefined;
  return markdownTable(
    [
      "contender",
      "index ops",
      "index ms",
      "index ms per 1000 docs",
      "refreshes (external)",
      "refresh ms",
      "merges",
      "merge ms",
      "flushes",
      "target's own index ops",
      "target's translog uncommitted ops at end",
    ],
    measured.map((row) => {
      const stats = row.targetStats!;
      return [
        row.contender,
        formatCount(stats.indexTotal),
        formatCount(stats.indexMillis),
        perThousand(stats.indexMillis, row),
        `${formatCount(stats.refreshTotal)} (${formatCount(stats.externalRefreshTotal)})`,
        formatCount(stats.refreshMillis),
        formatCount(stats.mergeTotal),
        formatCount(stats.mergeMillis),
        formatCount(stats.flushTotal),
        row.targetOwn ? formatCount(row.targetOwn.indexTotal) : "–",
        row.targetOwn ? formatCount(row.targetOwn.translogUncommittedOps) : "–",
      ];
    }),
  );
}

/** The native engine's (defaults) docs/s over three others', from rows that ran ok. */
interface Ratios {
  native_docs_per_second: number | null;
  /** The faster of `_reindex` plain and target tuned. */
  best_reindex: string | null;
  native_vs_best_reindex: number | null;
  native_vs_raw_tuned: number | null;
  native_vs_elasticdump: number | null;
}

/** docs/s of a row that ran ok and brought every document. */
function speedOf(row: Row | undefined): number | undefined {
  return row?.status === "ok" && row.docs === row.expected && row.docsPerSecond
    ? row.docsPerSecond
    : undefined;
}

function computeRatios(rows: Row[]): Ratios {
  const byKey = (key: string) => rows.find((row) => row.key === key);
  const native = speedOf(byKey("native"));
  const reindex = ["reindex", "reindex-tuned"]
    .map((key) => ({ key, speed: speedOf(byKey(key)) }))
    .filter((entry) => entry.speed !== undefined)
    .sort((a, b) => b.speed! - a.speed!)[0];
  const over = (other: number | undefined) =>
    native !== undefined && other !== undefined ? native / other : null;
  return {
    native_docs_per_second: native ?? null,
    best_reindex: reindex?.key ?? null,
    native_vs_best_reindex: over(reindex?.speed),
    native_vs_raw_tuned: over(speedOf(byKey("raw-tuned"))),
    native_vs_elasticdump: over(speedOf(byKey("elasticdump"))),
  };
}

function ratiosLine(ratios: Ratios): string {
  const text = (value: number | null) => value === null ? "–" : `${value.toFixed(2)}×`;
  return `**native (defaults) vs best _reindex: ${text(ratios.native_vs_best_reindex)} · ` +
    `vs raw ceiling (tuned): ${text(ratios.native_vs_raw_tuned)} · ` +
    `vs elasticdump: ${text(ratios.native_vs_elasticdump)}**`;
}

function memoryTable(rows: Row[]): string | undefined {
  const native = rows.filter((row) =>
    (row.key === "native" || row.key === "native-memory") && row.peakRssBytes
  );
  if (native.length === 0) return undefined;
  return markdownTable(
    ["documents", "peak RSS of `run --engine native` (defaults)", "how"],
    native.sort((a, b) => a.expected - b.expected).map((row) => [
      formatCount(row.expected),
      formatMiB(row.peakRssBytes!),
      row.key === "native-memory"
        ? `separate run on source index ${row.targetIndex} (first ${
          formatCount(row.expected)
        } documents of the same data set)`
        : `the "native engine (defaults)" row above (source index ${row.targetIndex})`,
    ]),
  );
}

function report(
  options: Options,
  env: Awaited<ReturnType<typeof environment>> & { warm_up?: string },
  data: DatasetInfo,
  sourceIndex: string,
  rows: Row[],
  ratios: Ratios,
  linkUrl: string | undefined,
  verification: VerifyMeasure | undefined,
): string {
  const memory = memoryTable(rows);
  const target = targetTable(rows);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const small = data.kind === "small";
  return [
    `# Fetch Migration bench — ${formatCount(data.docs)} ${
      small ? "small documents" : "documents"
    }, ${env.date}`,
    "",
    ratiosLine(ratios),
    "",
    `- source: ${env.source.version} at ${env.source.url}, index \`${sourceIndex}\` ` +
    `(${SHARDS} shards, 0 replicas); target: ${env.target.version} at ${env.target.url}`,
    ...(options.link
      ? [
        `- link: **every contender but the raw ceiling reads the source through Toxiproxy at ` +
        `${linkUrl ?? `http://127.0.0.1:${LINK_PORT}`}** (\`--link ${options.link.text}\`): ` +
        `${describeLink(options.link)}; the raw ceiling reads no source`,
      ]
      : []),
    `- data set: ${formatCount(data.docs)} documents, ${mb(data.sourceBytes)} of \`_source\` ` +
    `(${formatCount(data.sourceBytes / data.docs)} bytes a document on average), seeded ` +
    (small
      ? "generator of small, repetitive documents (`--data small`, bench/dataset.ts)"
      : "generator (bench/dataset.ts)"),
    `- machine: ${env.cpus} cores, ${env.memory_gib} GiB; Deno ${env.deno}; git ${
      env.git ?? "?"
    };` +
    ` load average at start ${env.loadavg.map((value) => value.toFixed(2)).join(" ")}`,
    `- command: \`deno task bench ${Deno.args.join(" ")}\`` +
    (options.keep ? " (targets kept)" : ""),
    ...(env.warm_up ? [`- ${env.warm_up}`] : []),
    ...(options.rounds > 1
      ? [
        `- rounds: **${options.rounds}, the contenders taken in turns**; each row is the ` +
        "contender's median round by docs/s (its notes list every round's), the verification the " +
        "median of its rounds; every round is in the JSON (`rounds`)",
      ]
      : []),
    "",
    "Seconds run from the contender's start until its target index, refreshed, counts its " +
    "documents (`_refresh` then `_count`). docs/s = documents found / seconds; MB/s = `_source` " +
    "bytes of those documents (10⁶ bytes) / seconds. Peak RSS is the highest `VmHWM` of the " +
    "process doing the work (and its children), read from /proc every 200 ms. Ratio = docs/s " +
    "over the raw ceiling's (untuned). Targets: same mapping, " + `${SHARDS} shards, 0 replicas; ` +
    'each deleted before its run. "Target tuned" rows create their target with ' +
    "`refresh_interval: -1` and put it back to the default before the final refresh, inside the " +
    "timed span, as the native engine does with the indices it creates (unless " +
    "`--no-tune-target`). The first line: the native engine's (defaults) docs/s over the others' " +
    "(rows that ran ok with every document; best _reindex = the faster of plain and tuned).",
    "",
    mainTable(rows),
    "",
    "CPU seconds used during each run (tool: the child process, from /proc; nodes: " +
    "`_nodes/stats/process` before and after; other: the rest of the machine's busy time from " +
    "/proc/stat — the bench itself, the idle test nodes, and anything else that ran meanwhile):",
    "",
    cpuTable(rows),
    ...(target
      ? [
        "",
        "Target work per contender (os2 `_nodes/stats` deltas): indexing `index_total` and " +
        "`index_time_in_millis` (summed over writer threads; per 1000 documents that arrived), " +
        "refreshes (all, and in brackets those asked from outside: `_refresh`, the refresh " +
        "interval) and their time, merges finished and their time, flushes (Lucene commits). " +
        "Node-wide: anything else os2 did meanwhile counts too — when the node's index ops " +
        "differ from the target's own (its `_stats`, read once counted; it was created for the " +
        "run), something else wrote to os2. Last: operations left in the target's translog " +
        "outside a Lucene commit at the end (a gauge, 0 before the run: what a restart would " +
        "replay); the node's translog gauges are in the JSON.",
        "",
        target,
      ]
      : []),
    ...(memory ? ["", "Memory of the native engine at two sizes:", "", memory] : []),
    ...(verification
      ? [
        "",
        "`verify --checksums` of the native engine's (defaults) copy, run right after it: both " +
        "clusters read whole and every document hashed (each side holds the data set once; " +
        "CPU as above):",
        "",
        verifyTable(verification),
      ]
      : []),
    "",
    "Commands:",
    "",
    ...rows.filter((row) => row.command).map((row) => `- ${row.contender}: \`${row.command}\``),
    ...(verification ? [`- verify --checksums: \`${verification.command}\``] : []),
    "",
  ].join("\n");
}

/** `--sync`: sync's lag and delete-pass cost (bench/sync.ts), written like the other results. */
async function mainSync(sync: SyncBenchOptions): Promise<void> {
  const nodes = await ensureNodes(["es7", "os2"]);
  const env = await environment(nodes.es7.url, nodes.os2.url);
  const logDir = `${BENCH_DIR}logs/${fileTimestamp()}-sync`;
  await Deno.mkdir(logDir, { recursive: true });
  await warmUp();
  const result = await runSyncBench(sync, nodes.es7.url, nodes.os2.url, logDir);
  const markdown = syncReport(result, sync, {
    date: env.date,
    cpus: env.cpus,
    loadavg: env.loadavg,
    source: `${env.source.version} at ${env.source.url}`,
    target: `${env.target.version} at ${env.target.url}`,
  });
  const resultsDir = resultsDirectory();
  await Deno.mkdir(resultsDir, { recursive: true });
  const stamp = `${fileTimestamp(new Date(env.date))}-sync`;
  const markdownPath = `${resultsDir}${stamp}.md`;
  const jsonPath = `${resultsDir}${stamp}.json`;
  await writeResults(markdownPath, markdown, jsonPath, {
    options: sync,
    environment: env,
    logs: logDir,
    ...result,
  });
  console.log(await Deno.readTextFile(markdownPath));
  log(`results: ${markdownPath} and .json; child logs in ${logDir}`);
  if (result.lag.final.code !== 0) {
    log("sync --final did not end equal: see sync-final.stderr.log");
    Deno.exit(1);
  }
}

/** The checkout, whose path the results leave out: they are committed, and read anywhere. */
const CHECKOUT = new URL("..", import.meta.url).pathname;

/**
 * Writes a run's results, paths inside the checkout made relative to it, formatted like the rest
 * of the tree so `deno fmt --check` stays clean.
 */
async function writeResults(
  markdownPath: string,
  markdown: string,
  jsonPath: string,
  value: unknown,
): Promise<void> {
  const relative = (text: string) => text.replaceAll(CHECKOUT, "");
  await Deno.writeTextFile(markdownPath, relative(markdown));
  await Deno.writeTextFile(jsonPath, relative(JSON.stringify(value, null, 2) + "\n"));
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", markdownPath, jsonPath],
    stdout: "null",
    stderr: "inherit",
  }).output();
}

/** `bench/results/`, or `FM_BENCH_RESULTS_DIR` (the suite's smoke run writes to a temporary one). */
function resultsDirectory(): string {
  const chosen = Deno.env.get("FM_BENCH_RESULTS_DIR");
  return chosen ? `${chosen.replace(/\/$/, "")}/` : new URL("./results/", import.meta.url).pathname;
}

async function main(): Promise<void> {
  const options = readOptions(Deno.args);
  if (options.sync) return await mainSync(options.sync);
  log(
    `bench: ${formatCount(options.docs)} ${options.data} documents; contenders ${
      [...options.only].join(",")
    }` + (options.link ? `; link ${options.link.text}` : ""),
  );
  const nodes = await ensureNodes(["es7", "os2"]);
  const es7 = nodes.es7.url;
  const os2 = nodes.os2.url;
  const env = await environment(es7, os2);
  log(`source ${env.source.version} at ${es7}; target ${env.target.version} at ${os2}`);

  const data = await ensureDatasetFile(options.docs, options.data);
  const sourceIndex = datasetIndexName(options.data, options.docs);
  const loading = await ensureSourceIndex(es7, sourceIndex, data);

  const runNative = options.only.has("native");
  const memoryProbe = runNative && options.memoryDocs > 0 && options.memoryDocs < options.docs;
  let memoryData: DatasetInfo | undefined;
  if (memoryProbe) {
    memoryData = await ensureDatasetFile(options.memoryDocs, options.data);
    await ensureSourceIndex(es7, datasetIndexName(options.data, options.memoryDocs), memoryData);
  }

  const logDir = `${BENCH_DIR}logs/${fileTimestamp()}`;
  await Deno.mkdir(logDir, { recursive: true });
  const context: BenchContext = {
    es7,
    os2,
    source: es7,
    os2Modules: nodes.os2.modules,
    data,
    sourceIndex,
    logDir,
    cleanUp: !options.keep,
    elasticdumpDir: BENCH_DIR.replace(/\/$/, ""),
    elasticdumpLimit: options.elasticdumpLimit,
    reindexSize: options.reindexSize,
    rawConcurrency: options.rawConcurrency,
    rawBatchBytes: options.rawBatchBytes,
  };
  await warmUp();
  const warmedUp = await warmUpNodes(context);
  log(warmedUp);
  const runEnv = { ...env, warm_up: warmedUp };
  // Split indices (Data Prepper) are loaded straight into es7, before any link is set up.
  const splitIndices = options.only.has("dataprepper")
    ? await ensureSplitSourceIndices(es7, data)
    : [];

  const allRows: RoundRow[] = [];
  const verifications: VerifyMeasure[] = [];
  let profiles: Array<NodeProfile | NodeNotProfiled> | undefined;
  let link: Link | undefined;
  // Ctrl-C: the proxy goes too (the children get the signal from the terminal themselves).
  const interrupted = () => {
    log("interrupted");
    (link?.close() ?? Promise.resolve()).catch(() => {}).finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupted);
  try {
    if (options.link) {
      link = await openLink(options.link, es7);
      context.source = link.url;
      context.link = options.link;
    }
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
      const measured = await runContenders(context, options, splitIndices, verifications);
      allRows.push(...measured.map((row) => ({ ...row, round })));
    }
    if (memoryProbe && memoryData) {
      const index = datasetIndexName(options.data, memoryData.docs);
      const row = await nativeEngine(
        context,
        { key: "native-memory", label: "native engine (defaults), memory probe", flags: [] },
        { index, docs: memoryData.docs, bytes: memoryData.sourceBytes },
      );
      allRows.push({ ...row, round: 1 });
    }
    if (options.profileNodes) {
      log(
        "profile: one more native engine (defaults) run, untimed, Java Flight Recorder in es7 and os2",
      );
      profiles = await profileNodes({ es7, os2 }, `${logDir}/jfr`, async () => {
        await nativeEngine(context, PROFILED_VARIANT);
      });
    }
  } finally {
    await link?.close().catch((error) =>
      log(`link: deleting the proxy failed: ${(error as Error).message}`)
    );
    Deno.removeSignalListener("SIGINT", interrupted);
  }

  const rows = medianRows(allRows);
  // A failed verification is the one shown, as a failed round is.
  const verification = verifications.find((measure) => measure.status !== "ok") ??
    (verifications.length > 0
      ? medianBy(verifications, (measure) => measure.docsPerSecond)
      : undefined);
  const ceiling = rows.find((row) => row.key === "raw" && row.status === "ok");
  for (const row of rows) {
    if (ceiling?.docsPerSecond && row.docsPerSecond !== undefined && row.status === "ok") {
      row.ratio = row.docsPerSecond / ceiling.docsPerSecond;
    }
  }

  const ratios = computeRatios(rows);
  const markdown = report(
    options,
    runEnv,
    data,
    sourceIndex,
    rows,
    ratios,
    link?.url,
    verification,
  ) + (profiles ? `\n\n${profileSection(profiles, PROFILED_RUN)}\n` : "");
  const resultsDir = resultsDirectory();
  await Deno.mkdir(resultsDir, { recursive: true });
  const stamp = fileTimestamp(new Date(env.date));
  const markdownPath = `${resultsDir}${stamp}.md`;
  const jsonPath = `${resultsDir}${stamp}.json`;
  await writeResults(markdownPath, markdown, jsonPath, {
    options: { ...options, only: [...options.only] },
    environment: runEnv,
    dataset: { ...data, index: sourceIndex, load_seconds: loading.seconds },
    memory_dataset: memoryData,
    link: link ? { ...options.link, url: link.url, upstream: es7 } : undefined,
    logs: logDir,
    ratios,
    rows,
    rounds: options.rounds > 1 ? allRows : undefined,
    verify: verification,
    verify_rounds: verifications.length > 1 ? verifications : undefined,
    node_profiles: profiles,
  });
  console.log(await Deno.readTextFile(markdownPath));
  log(`results: ${markdownPath} and .json; child logs in ${logDir}`);
  if (options.keep) log("--keep: the os2 target indices are left in place");
  else log(`cleaned up the os2 targets; ${sourceIndex} stays on es7 for the next run`);
}

/** `--profile-nodes`: the run the nodes are recorded during, as the report names it. */
const PROFILED_RUN = "one more run of the native engine (defaults), after the measured ones";
const PROFILED_VARIANT: NativeVariant = {
  key: "native-profiled",
  label: "native engine (defaults), nodes profiled",
  flags: [],
};

/** One round: every selected contender once, in the report's order. */
async function runContenders(
  context: BenchContext,
  options: Options,
  splitIndices: string[],
  verifications: VerifyMeasure[],
): Promise<Row[]> {
  const rows: Row[] = [];
  const { sourceIndex, data } = context;
  if (options.only.has("raw")) {
    rows.push(await rawCeiling(context));
    rows.push(await rawCeiling(context, true));
  }
  if (options.only.has("native")) {
    for (const variant of NATIVE_VARIANTS) {
      // The defaults' copy is verified as an operator would before cutover.
      const verify = variant.key === "native"
        ? async () => void verifications.push(await verifyCopy(context, sourceIndex, data.docs))
        : undefined;
      rows.push(await nativeEngine(context, variant, undefined, verify));
    }
  }
  if (options.only.has("dataprepper")) {
    for (const pipelines of [1, 3]) {
      rows.push(await dataPrepper(context, pipelines, splitIndices));
    }
  }
  if (options.only.has("elasticdump")) rows.push(await elasticdump(context));
  if (options.only.has("reindex")) {
    rows.push(await reindexFromRemote(context));
    rows.push(await reindexFromRemote(context, true));
  }
  return rows;
}

if (import.meta.main) await main();
