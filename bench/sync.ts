/**
 * `deno task bench --sync`: what `sync` costs, es7 -> os2, for the acceptance.
 *
 * (a) Lag: an index of the bench's data set (`--sync-docs`, 100 000 by default) on es7, `sync
 *     --json --interval 1` following it while a writer changes it at `--sync-rate` operations a
 *     second (200; a third deletes, a third updates of existing ids, a third inserts) for
 *     `--sync-seconds` (60), sync looking for deletes every `--sync-deletes-every` passes (1, its
 *     default). Lag in operations and seconds from every pass line that ended while
 *     the writer wrote (median, p95, max), and, measured apart from what sync says, the delay
 *     until a probe document inserted once a second is readable on the target. Then the time to
 *     catch up once the writer stops, and `sync --final` (verify --checksums) must end equal.
 * (b) One delete-finding pass on `--sync-delete-docs` (1 000 000) small documents loaded alike
 *     into es7 and os2: `findDeletes` (src/sync/deletes.ts, what a pass runs per index) timed
 *     with both sides equal (twice) and with 1 000 documents deleted on es7; wall seconds, CPU
 *     seconds of the es7 JVM (utime + stime from /proc/<pid>/stat), of os2 (`_nodes/stats`) and
 *     of the bench process itself, which runs the scan.
 *
 * Everything this creates is deleted at the end (the source indices too: the writer changed
 * them).
 */
import { V8_FLAGS_ARGUMENT } from "../src/v8-flags.ts";
import { findDeletes } from "../src/sync/deletes.ts";
import { readShardPositions } from "../src/backfill/reader.ts";
import { ClusterClient } from "../src/cluster/client.ts";
import { runningPid } from "../tests/harness/nodes.ts";
import { MAIN_TS } from "./contenders.ts";
import {
  benchIndexBody,
  type DatasetInfo,
  ensureDatasetFile,
  ensureSourceIndex,
  generateDocument,
  ndjsonChunks,
  SHARDS,
} from "./dataset.ts";
import { fixed, formatCount, log, markdownTable } from "./format.ts";
import { deleteIndex, nodeCpuSeconds, sendJson } from "./http.ts";

/** The `--sync` options. */
export interface SyncBenchOptions {
  /** Documents of the followed index in (a). */
  docs: number;
  /** Seconds the writer writes in (a). */
  seconds: number;
  /** Operations a second the writer aims at in (a). */
  rate: number;
  /** Documents of each side in (b); 0 skips (b). */
  deleteDocs: number;
  /**
   * What (b)'s documents are: `small` (two fields, loaded in seconds) or `bench` (the bench data
   * set, about 1.1 KB each: the cluster decompresses stored fields, `_source` included, to read
   * an `_id`, so the size of documents weighs on the source's cost).
   */
  deleteData: "small" | "bench";
  /** sync's `--deletes-every` in (a) (1, its default: every pass looks for deletes). */
  deletesEvery: number;
}

/** Median, 95th percentile and maximum of a series. */
export interface Spread {
  samples: number;
  median: number;
  p95: number;
  max: number;
}

/** What (a) measured. */
export interface LagResult {
  index: string;
  docs: number;
  copySeconds: number;
  writer: {
    operations: number;
    inserts: number;
    updates: number;
    deletes: number;
    seconds: number;
  };
  passes: number;
  lagOperations: Spread;
  lagSeconds: Spread;
  /** Delay from a probe insert's acknowledgement on es7 until os2 returned it. */
  probeSeconds: Spread;
  /** From the writer's stop to the first pass with nothing behind. */
  catchUpSeconds: number;
  final: { code: number; seconds: number };
  command: string;
}

/** One timed `findDeletes` of (b). */
export interface DeletePassRun {
  label: string;
  pendingDeletes: number;
  wallSeconds: number;
  es7CpuSeconds?: number;
  os2CpuSeconds?: number;
  benchCpuSeconds: number;
  idsRead: number;
  bucketsDiffering: number;
  deletesFound: number;
}

/** What (b) measured. */
export interface DeletePassResult {
  index: string;
  docs: number;
  kind: SyncBenchOptions["deleteData"];
  loadSeconds: number;
  runs: DeletePassRun[];
}

/** Everything `--sync` measured. */
export interface SyncBenchResult {
  lag: LagResult;
  deletePass?: DeletePassResult;
}

/** The median, p95 and max of `values` (nearest rank). */
export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    samples: sorted.length,
    median: sorted.length ? rank(0.5) : NaN,
    p95: sorted.length ? rank(0.95) : NaN,
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Runs (a) and (b) against es7 and os2. */
export async function runSyncBench(
  options: SyncBenchOptions,
  es7: string,
  os2: string,
  logDir: string,
): Promise<SyncBenchResult> {
  const lag = await measureLag(options, es7, os2, logDir);
  const deletePass = options.deleteDocs > 0
    ? await measureDeletePass(options.deleteDocs, options.deleteData, es7, os2)
    : undefined;
  return { lag, deletePass };
}

// ---------------------------------------------------------------------------------------------
// (a) Lag under a writer

/**
 * Inserts, updates and deletes at a steady rate, a bulk every 100 ms; one insert a second is a
 * probe whose arrival on the target is timed.
 */
class Writer {
  readonly counts = { insert: 0, update: 0, delete: 0 };
  /** Probe ids with the time es7 acknowledged them, until seen on the target. */
  readonly probes = new Map<string, number>();
  readonly probeDelays: number[] = [];
  startedAt = 0;
  stoppedAt = 0;
  #stop = false;
  #loop?: Promise<void>;
  #next = 0;
  #inserted = 0;
  #probesSent = 0;

  constructor(
    readonly url: string,
    readonly index: string,
    readonly live: string[],
    readonly rate: number,
    readonly firstNew: number,
  ) {}

  get total(): number {
    return this.counts.insert + this.counts.update + this.counts.delete;
  }

  start(): void {
    this.startedAt = Date.now();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    for (let tick = 1; !this.#stop; tick++) {
      const elapsed = (Date.now() - this.startedAt) / 1000;
      const due = Math.round(elapsed * this.rate) - this.total;
      if (due > 0) await this.#bulk(Math.min(due, this.rate), elapsed >= this.#probesSent);
      const wait = this.startedAt + tick * 100 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.stoppedAt = Date.now();
  }

  async #bulk(count: number, probe: boolean): Promise<void> {
    const lines: string[] = [];
    const kinds: Array<keyof Writer["counts"]> = [];
    const deleted: number[] = [];
    let probeId: string | undefined;
    for (let i = 0; i < count; i++) {
      const kind = (["insert", "update", "delete"] as const)[this.#next++ % 3];
      kinds.push(kind);
      if (kind === "insert") {
        const { id, source } = generateDocument(this.firstNew + this.#inserted++);
        if (probe && probeId === undefined) probeId = id;
        lines.push(`${JSON.stringify({ index: { _id: id } })}\n${JSON.stringify(source)}\n`);
        this.live.push(id);
        continue;
      }
      // A random existing id, not one this bulk deletes (the order inside a bulk is kept, but
      // an update after a delete would bring the document back).
      let at = Math.floor(Math.random() * this.live.length);
      while (deleted.includes(at)) at = Math.floor(Math.random() * this.live.length);
      const id = this.live[at];
      if (kind === "delete") {
        deleted.push(at);
        lines.push(`${JSON.stringify({ delete: { _id: id } })}\n`);
      } else {
        const { source } = generateDocument(this.firstNew + 5_000_000 + this.#next);
        lines.push(`${JSON.stringify({ index: { _id: id } })}\n${JSON.stringify(source)}\n`);
      }
    }
    const response = await fetch(
      `${this.url}/${this.index}/_bulk?filter_path=errors,items.*.status`,
      {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: lines.join(""),
      },
    );
    const answer = await response.json();
    if (!response.ok || answer.errors) {
      throw new Error(`writer: bulk -> ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
    }
    const acknowledged = Date.now();
    for (const at of deleted.sort((a, b) => b - a)) {
      this.live[at] = this.live[this.live.length - 1];
      this.live.pop();
    }
    for (const kind of kinds) this.counts[kind]++;
    if (probeId) {
      this.probes.set(probeId, acknowledged);
      this.#probesSent++;
    }
  }

  /** Looks the outstanding probes up on the target (a realtime `_mget`). */
  async checkProbes(target: string): Promise<void> {
    const ids = [...this.probes.keys()];
    if (ids.length === 0) return;
    const answer = await sendJson<{ docs: Array<{ _id: string; found: boolean }> }>(
      "POST",
      `${target}/${this.index}/_mget?_source=false`,
      { ids },
    ).catch(() => undefined);
    const now = Date.now();
    for (const doc of answer?.docs ?? []) {
      if (!doc.found) continue;
      this.probeDelays.push((now - this.probes.get(doc._id)!) / 1000);
      this.probes.delete(doc._id);
    }
  }
}

interface PassLine {
  at: number;
  type: string;
  lag_operations: number;
  lag_seconds: number;
  deletes_checked: boolean;
}

async function measureLag(
  options: SyncBenchOptions,
  es7: string,
  os2: string,
  logDir: string,
): Promise<LagResult> {
  const data = await ensureDatasetFile(options.docs);
  const index = `bench-sync-${options.docs}`;
  await deleteIndex(os2, index);
  await ensureSourceIndex(es7, index, data);
  const journal = `${logDir}/sync-lag.json`;
  const args = [
    "run",
    "-A",
    "--quiet",
    V8_FLAGS_ARGUMENT,
    MAIN_TS,
    "sync",
    "--source",
    es7,
    "--target",
    os2,
    "--include",
    index,
    "--journal",
    journal,
    "--interval",
    "1",
    "--deletes-every",
    String(options.deletesEvery),
    "--json",
  ];
  const command = `deno ${args.join(" ")}`;
  log(`(a) lag: ${command}`);
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: PassLine[] = [];
  const stderrPath = `${logDir}/sync-lag.stderr.log`;
  const stdout = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const part of parts.filter((line) => line.trim())) {
        lines.push({ at: Date.now(), ...JSON.parse(part) });
      }
    }
  })();
  const stderr = (async () => {
    const file = await Deno.open(stderrPath, { create: true, write: true, truncate: true });
    for await (const chunk of child.stderr) await file.write(chunk);
    file.close();
  })();
  const ended = Promise.all([child.status, stdout, stderr]).then(([status]) => status);
  let writer: Writer | undefined;
  try {
    const passes = () => lines.filter((line) => line.type === "pass");
    await until("the copy and the first pass", 600, () => passes().length > 0);
    const copySeconds = (Date.now() - started) / 1000;
    log(`(a) copied ${formatCount(options.docs)} documents in ${copySeconds.toFixed(1)} s`);
    const ids = Array.from({ length: options.docs }, (_, i) => generateDocument(i).id);
    writer = new Writer(es7, index, ids, options.rate, options.docs);
    writer.start();
    log(`(a) writer: ${options.rate} operations/s for ${options.seconds} s`);
    const writing = writer;
    const prober = (async () => {
      while (!writing.stoppedAt || writing.probes.size > 0) {
        await writing.checkProbes(os2);
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (writing.stoppedAt && Date.now() - writing.stoppedAt > 60_000) break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    await writer.stop();
    const stoppedAt = writer.stoppedAt;
    await until(
      "a pass with nothing behind",
      300,
      () => passes().some((line) => line.at > stoppedAt && line.lag_operations === 0),
    );
    const caughtUp = passes().find((line) => line.at > stoppedAt && line.lag_operations === 0)!;
    await prober;
    child.kill("SIGTERM");
    await ended;
    const during = passes().filter((line) => line.at >= writer!.startedAt && line.at <= stoppedAt);
    const finalStart = performance.now();
    const final = await new Deno.Command(Deno.execPath(), {
      args: [...args.filter((arg) => arg !== "--json"), "--final"],
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const finalSeconds = (performance.now() - finalStart) / 1000;
    await Deno.writeFile(`${logDir}/sync-final.stderr.log`, final.stderr);
    log(`(a) sync --final: exit ${final.code} in ${finalSeconds.toFixed(1)} s`);
    return {
      index,
      docs: options.docs,
      copySeconds,
      writer: {
        operations: writer.total,
        inserts: writer.counts.insert,
        updates: writer.counts.update,
        deletes: writer.counts.delete,
        seconds: (stoppedAt - writer.startedAt) / 1000,
      },
      passes: during.length,
      lagOperations: spread(during.map((line) => line.lag_operations)),
      lagSeconds: spread(during.map((line) => line.lag_seconds)),
      probeSeconds: spread(writer.probeDelays),
      catchUpSeconds: (caughtUp.at - stoppedAt) / 1000,
      final: { code: final.code, seconds: finalSeconds },
      command,
    };
  } finally {
    await writer?.stop().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // Ended already.
    }
    await ended.catch(() => {});
    await deleteIndex(es7, index);
    await deleteIndex(os2, index);
  }
}

async function until(what: string, seconds: number, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`waited ${seconds} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------
// (b) One delete-finding pass

/** utime + stime of a process, in seconds. */
function processCpuSeconds(pid: number | "self"): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Loads `docs` small documents (`s<i>`) into `index` on `url`, 10 000 a bulk, 3 in flight. */
async function loadSmall(url: string, index: string, docs: number): Promise<void> {
  await sendJson("PUT", `${url}/${index}`, {
    settings: { number_of_shards: SHARDS, number_of_replicas: 0, refresh_interval: "-1" },
    mappings: { properties: { n: { type: "long" }, title: { type: "keyword" } } },
  });
  const send = async (from: number) => {
    const lines = [];
    for (let i = from; i < Math.min(docs, from + 10_000); i++) {
      lines.push(
        `{"index":{"_id":"s${i.toString(36).padStart(8, "0")}"}}\n{"n":${i},"title":"t${
          i % 997
        }"}\n`,
      );
    }
    const response = await fetch(`${url}/${index}/_bulk?filter_path=errors`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines.join(""),
    });
    const answer = await response.json();
    if (!response.ok || answer.errors) {
      throw new Error(`loading ${index} on ${url}: ${response.status}`);
    }
  };
  const inFlight = new Set<Promise<void>>();
  for (let from = 0; from < docs; from += 10_000) {
    const sending = send(from).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= 3) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await sendJson("PUT", `${url}/${index}/_settings`, { index: { refresh_interval: null } });
  await sendJson("POST", `${url}/${index}/_refresh`);
}

/**
 * Loads the bench data set into `index` on `url` one 2 MB body at a time, waiting out push-back
 * (os2's small heap refuses the 8 MB bodies, three in flight, that the es7 loader sends).
 */
async function loadDataset(url: string, index: string, data: DatasetInfo): Promise<void> {
  const body = benchIndexBody(data.docs);
  (body.settings as { index: Record<string, unknown> }).index.refresh_interval = "-1";
  await sendJson("PUT", `${url}/${index}`, body);
  for await (const chunk of ndjsonChunks(data.path, 2 * 1024 * 1024)) {
    for (let attempt = 1;; attempt++) {
      const response = await fetch(`${url}/${index}/_bulk?filter_path=errors,items.*.status`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: chunk.bytes,
      });
      const answer = await response.json().catch(() => undefined);
      if (response.ok && answer?.errors === false) break;
      const statuses = (answer?.items ?? []).map((item: Record<string, { status: number }>) =>
        Object.values(item)[0].status
      );
      const pushedBack = response.status === 429 ||
        (response.ok && statuses.every((status: number) => status === 429 || status < 300));
      if (!pushedBack || attempt >= 30) {
        throw new Error(`loading ${index} on ${url}: ${response.status}`);
      }
      // Items that went in are written again over themselves: same id, same source.
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  await sendJson("PUT", `${url}/${index}/_settings`, { index: { refresh_interval: null } });
  await sendJson("POST", `${url}/${index}/_refresh`);
  const count = await sendJson<{ count: number }>("GET", `${url}/${index}/_count`);
  if (count.count !== data.docs) {
    throw new Error(`${index} on ${url} holds ${count.count} documents, not ${data.docs}`);
  }
}

async function measureDeletePass(
  docs: number,
  kind: SyncBenchOptions["deleteData"],
  es7: string,
  os2: string,
): Promise<DeletePassResult> {
  const index = `bench-sync-deletes-${kind}-${docs}`;
  const pid = await runningPid("es7");
  if (pid === undefined) log("(b) the es7 JVM's pid is unknown: its CPU is not measured");
  const source = new ClusterClient({ url: es7, auth: { kind: "none" }, tls: { insecure: false } }, {
    role: "source",
  });
  const target = new ClusterClient({ url: os2, auth: { kind: "none" }, tls: { insecure: false } }, {
    role: "target",
  });
  try {
    await deleteIndex(es7, index);
    await deleteIndex(os2, index);
    log(`(b) loading ${formatCount(docs)} ${kind} documents into ${index} on es7 and on os2`);
    const loadStarted = performance.now();
    const data = kind === "bench" ? await ensureDatasetFile(docs) : undefined;
    for (const url of [es7, os2]) {
      if (data) await loadDataset(url, index, data);
      else await loadSmall(url, index, docs);
    }
    const idOf = (i: number) =>
      data ? generateDocument(i).id : `s${i.toString(36).padStart(8, "0")}`;
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    log(`(b) loaded both sides in ${loadSeconds.toFixed(1)} s`);
    const [sourceInfo, targetInfo] = await Promise.all([source.info(), target.info()]);
    const runs: DeletePassRun[] = [];
    const timed = async (label: string, pendingDeletes: number) => {
      const shards = async (client: ClusterClient) =>
        ((await readShardPositions(client, [index]))[index] ?? []).map(({ shard, maxSeqNo }) => ({
          shard,
          maxSeqNo,
        }));
      const sides = {
        source: { client: source, info: sourceInfo, shards: await shards(source) },
        target: { client: target, info: targetInfo, shards: await shards(target) },
      };
      const before = {
        es7: pid === undefined ? undefined : processCpuSeconds(pid),
        os2: await nodeCpuSeconds(os2),
        self: processCpuSeconds("self") ?? 0,
      };
      const started = performance.now();
      // As a pass runs it: 4 slices a side (sync's default --slices), 5 000 ids a page.
      const scan = await findDeletes(index, sides.source, sides.target, {
        slices: 4,
        pageSize: 5000,
      });
      const wallSeconds = (performance.now() - started) / 1000;
      const es7After = pid === undefined ? undefined : processCpuSeconds(pid);
      const os2After = await nodeCpuSeconds(os2);
      const run: DeletePassRun = {
        label,
        pendingDeletes,
        wallSeconds,
        es7CpuSeconds: es7After !== undefined && before.es7 !== undefined
          ? es7After - before.es7
          : undefined,
        os2CpuSeconds: os2After !== undefined && before.os2 !== undefined
          ? os2After - before.os2
          : undefined,
        benchCpuSeconds: (processCpuSeconds("self") ?? 0) - before.self,
        idsRead: scan.idsRead,
        bucketsDiffering: scan.bucketsDiffering,
        deletesFound: scan.deletes.length,
      };
      log(
        `(b) ${label}: ${wallSeconds.toFixed(1)} s, es7 CPU ${fixed(run.es7CpuSeconds, 1)} s, ` +
          `${formatCount(scan.idsRead)} ids read, ${scan.deletes.length} deletes found`,
      );
      runs.push(run);
    };
    await timed("both sides equal (first)", 0);
    await timed("both sides equal (again)", 0);
    // 1 000 documents spread over the index deleted on the source only.
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `${JSON.stringify({ delete: { _id: idOf(i * Math.floor(docs / 1000)) } })}\n`,
    ).join("");
    const response = await fetch(`${es7}/${index}/_bulk?refresh=true&filter_path=errors`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines,
    });
    const answer = await response.json();
    if (!response.ok || answer.errors) throw new Error("deleting 1 000 documents on es7");
    await timed("1 000 deleted on the source", 1000);
    return { index, docs, kind, loadSeconds, runs };
  } finally {
    source.close();
    target.close();
    await deleteIndex(es7, index);
    await deleteIndex(os2, index);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/** The Markdown report of `--sync`. */
export function syncReport(
  result: SyncBenchResult,
  options: SyncBenchOptions,
  environment: { date: string; cpus: number; loadavg: number[]; source: string; target: string },
): string {
  const { lag, deletePass } = result;
  const row = (label: string, value: Spread, digits: number) => [
    label,
    String(value.samples),
    fixed(value.median, digits),
    fixed(value.p95, digits),
    fixed(value.max, digits),
  ];
  const lines = [
    `# Fetch Migration bench — sync, ${environment.date}`,
    "",
    `- source ${environment.source}, target ${environment.target}; ${environment.cpus} cores, ` +
    `load average at start ${environment.loadavg.map((value) => value.toFixed(2)).join(" ")}`,
    `- command: \`deno task bench ${Deno.args.join(" ")}\``,
    "",
    `## (a) Lag while a writer changes the source`,
    "",
    `\`${lag.index}\`: ${formatCount(lag.docs)} documents of the bench data set (${SHARDS} ` +
    `shards), copied by sync in ${lag.copySeconds.toFixed(1)} s. Writer: ` +
    `${formatCount(lag.writer.operations)} operations in ${lag.writer.seconds.toFixed(1)} s ` +
    `(${(lag.writer.operations / lag.writer.seconds).toFixed(0)}/s: ` +
    `${formatCount(lag.writer.inserts)} inserts, ${formatCount(lag.writer.updates)} updates, ` +
    `${formatCount(lag.writer.deletes)} deletes), aiming at ${options.rate}/s for ` +
    `${options.seconds} s. Sync: \`${lag.command}\`.`,
    "",
    markdownTable(
      ["measure", "samples", "median", "p95", "max"],
      [
        row("lag, operations (pass lines while writing)", lag.lagOperations, 0),
        row("lag, seconds (pass lines while writing)", lag.lagSeconds, 2),
        row("probe insert: seconds until readable on os2", lag.probeSeconds, 2),
      ],
    ),
    "",
    `Passes while the writer wrote: ${lag.passes}. Caught up (a pass with 0 operations behind) ` +
    `${lag.catchUpSeconds.toFixed(1)} s after the writer stopped. \`sync --final\` (one more ` +
    `pass, then verify --checksums): exit ${lag.final.code} in ${lag.final.seconds.toFixed(1)} s` +
    (lag.final.code === 0 ? " — both sides equal." : " — NOT EQUAL, see the log."),
    "",
  ];
  if (deletePass) {
    lines.push(
      `## (b) One delete-finding pass on ${formatCount(deletePass.docs)} documents`,
      "",
      `\`${deletePass.index}\`: ${formatCount(deletePass.docs)} ${
        deletePass.kind === "bench"
          ? "documents of the bench data set (about 1.1 KB each)"
          : "small documents (two fields)"
      } loaded alike ` +
        `into es7 and os2 (${SHARDS} shards each; ${deletePass.loadSeconds.toFixed(1)} s for ` +
        "both). `findDeletes` (src/sync/deletes.ts), as a pass calls it: 4 slices a side, " +
        "5 000 ids a page, ids and routing only. es7 CPU: utime + stime of its JVM from " +
        "/proc/<pid>/stat; os2 CPU: `_nodes/stats/process`; bench CPU: this process, which " +
        "hashes the ids.",
      "",
      markdownTable(
        [
          "case",
          "wall s",
          "es7 CPU s",
          "os2 CPU s",
          "bench CPU s",
          "ids read (both sides)",
          "buckets differing",
          "deletes found",
        ],
        deletePass.runs.map((run) => [
          run.label,
          fixed(run.wallSeconds, 1),
          fixed(run.es7CpuSeconds, 1),
          fixed(run.os2CpuSeconds, 1),
          fixed(run.benchCpuSeconds, 1),
          formatCount(run.idsRead),
          formatCount(run.bucketsDiffering),
          formatCount(run.deletesFound),
        ]),
      ),
      "",
      "With any bucket differing, both sides are read a second time to list the ids of the " +
        "differing buckets, so a pass that finds deletes reads every id twice.",
      "",
    );
  }
  return lines.join("\n");
}
