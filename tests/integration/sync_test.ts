/**
 * `sync` against a live source, as an operator sees it: a writer in the test changes the source
 * at about 200 operations a second (inserts, updates of existing ids, deletes — a third of the
 * operations — and documents with custom routing) while `sync` follows it in the background; then
 * `sync --final` must end with both sides equal, the deletes applied, and `verify --checksums`
 * agreeing (es7 -> os2, os2 -> os3). Also: kill -9 of `sync` mid-pass and the same command again
 * (checkpoints never move backwards); SIGTERM while a pass waits to write; `--final
 * --freeze-source` (the source refuses writes until `--unfreeze` or `rollback`; writes in flight
 * when it freezes are not lost); lag falling to 0 once the writer stops, with an index created
 * mid-sync followed (and `--until-lag 0` waiting for it); documents the source had not refreshed
 * when the copy began.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  assertNoStackTrace,
  assertVerified,
  bulk,
  call,
  endpoints,
  inScene,
  type NodeHandle,
  type NodeName,
  readJournal,
  refreshedCount,
  runCli,
  type Scene,
  spawnCli,
} from "./scene.ts";

/** Operations per second the writer aims at, and how long it writes in the long scenarios. */
const RATE = 200;
const WRITE_SECONDS = 15;
/** Port of the metrics endpoint in the lag test (18441-18449 are this file's). */
const METRICS_PORT = 18441;

// ---------------------------------------------------------------------------------------------
// The writer

/** A document's key: id, and routing for the routed ones. */
interface Key {
  id: string;
  routing?: string;
}

/** A deterministic pseudo-random sequence (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Changes one index at a steady rate in bulks of a tenth of a second: of every three operations
 * one inserts a new id, one updates an existing id, one deletes an existing id; a quarter of the
 * new ids have a custom routing. The state it keeps follows only what the source acknowledged.
 * With `stopOnBlock`, a write block (403 cluster_block_exception) ends it quietly and is noted.
 */
class Writer {
  readonly live = new Map<string, Key>();
  readonly deleted = new Map<string, Key>();
  readonly counts = { insert: 0, update: 0, delete: 0 };
  /** The first write block the source answered with, when `stopOnBlock`. */
  blocked?: { status: number; type: string; at: number };
  startedAt = 0;
  stoppedAt = 0;
  #next = 0;
  #stop = false;
  #loop?: Promise<void>;
  readonly #random: () => number;

  constructor(
    readonly url: string,
    readonly index: string,
    initial: Key[],
    readonly options: { rate?: number; stopOnBlock?: boolean; seed?: number } = {},
  ) {
    for (const key of initial) this.live.set(key.id, key);
    this.#random = random(options.seed ?? 7);
  }

  /** Operations acknowledged so far. */
  get total(): number {
    return this.counts.insert + this.counts.update + this.counts.delete;
  }

  start(): void {
    this.startedAt = Date.now();
    this.#loop = this.#run();
  }

  /** Stops after the bulk in flight; throws what the loop failed with. */
  async stop(): Promise<void> {
    this.#stop = true;
    await this.#loop;
    this.stoppedAt ||= Date.now();
  }

  /** Resolves once the writer stopped on its own (a write block), or after `ms`. */
  async stopped(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
    const done = this.#loop!.then(() => true);
    const stopped = await Promise.race([done, timeout]);
    clearTimeout(timer);
    return stopped;
  }

  async #run(): Promise<void> {
    const rate = this.options.rate ?? RATE;
    const tick = 100;
    let ticks = 0;
    while (!this.#stop) {
      const due = Math.round(((Date.now() - this.startedAt) / 1000) * rate) - this.total;
      if (due > 0 && !(await this.#bulk(Math.min(due, rate)))) break;
      ticks++;
      const wait = this.startedAt + ticks * tick - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.stoppedAt = Date.now();
  }

  /** One bulk of `count` operations; false once the source put a write block on the index. */
  async #bulk(count: number): Promise<boolean> {
    const operations: Array<{ kind: keyof Writer["counts"]; key: Key }> = [];
    const taken = new Set<string>();
    for (let i = 0; i < count; i++) {
      const kind = (["insert", "update", "delete"] as const)[(this.#next++) % 3];
      if (kind === "insert" || this.live.size - taken.size < 10) {
        const n = this.#next;
        const key = n % 4 === 0 ? { id: `w${n}`, routing: `tenant-${n % 5}` } : { id: `w${n}` };
        operations.push({ kind: "insert", key });
        taken.add(key.id);
        continue;
      }
      // An existing id this bulk has not touched yet, so the bulk's order does not matter.
      const ids = [...this.live.keys()];
      let id = ids[Math.floor(this.#random() * ids.length)];
      while (taken.has(id)) id = ids[Math.floor(this.#random() * ids.length)];
      taken.add(id);
      operations.push({ kind, key: this.live.get(id)! });
    }
    const lines = operations.map(({ kind, key }) => {
      const meta = { _id: key.id, ...(key.routing ? { routing: key.routing } : {}) };
      if (kind === "delete") return `${JSON.stringify({ delete: meta })}\n`;
      const body = { title: `${kind} ${key.id} at ${this.#next}`, n: this.#next, kind };
      return `${JSON.stringify({ index: meta })}\n${JSON.stringify(body)}\n`;
    }).join("");
    const response = await fetch(`${this.url}/${this.index}/_bulk`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines,
    });
    const answer = await response.json();
    if (!response.ok) {
      if (this.#isBlock(response.status, answer?.error?.type)) return false;
      throw new Error(`writer: bulk -> ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
    }
    const items = answer.items as Array<
      Record<string, { status: number; error?: { type: string } }>
    >;
    let blocked = false;
    for (const [i, item] of items.entries()) {
      const result = Object.values(item)[0];
      const { kind, key } = operations[i];
      if (result.error) {
        if (this.#isBlock(result.status, result.error.type)) {
          blocked = true;
          continue;
        }
        throw new Error(`writer: ${kind} ${key.id} -> ${result.status} ${result.error.type}`);
      }
      if (kind === "delete") {
        // A delete of a missing document would mean the writer's state is wrong.
        if (result.status !== 200) throw new Error(`writer: delete ${key.id} -> ${result.status}`);
        this.live.delete(key.id);
        this.deleted.set(key.id, key);
      } else {
        this.live.set(key.id, key);
      }
      this.counts[kind]++;
    }
    return !blocked;
  }

  #isBlock(status: number, type: string | undefined): boolean {
    if (!this.options.stopOnBlock || type !== "cluster_block_exception") return false;
    this.blocked ??= { status, type, at: Date.now() };
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures and the CLI in the background

/** The initial documents: `d0..` plain, `r0..` with a routing, written in one bulk. */
async function createIndex(url: string, index: string, plain: number, routed: number) {
  await call(`${url}/${index}`, "PUT", {
    settings: { number_of_shards: 3, number_of_replicas: 0 },
  });
  const keys: Key[] = [
    ...Array.from({ length: plain }, (_, i) => ({ id: `d${i}` })),
    ...Array.from({ length: routed }, (_, i) => ({ id: `r${i}`, routing: `tenant-${i % 5}` })),
  ];
  for (let at = 0; at < keys.length; at += 5000) {
    const lines = keys.slice(at, at + 5000).map((key) =>
      `${
        JSON.stringify({ index: { _id: key.id, ...(key.routing ? { routing: key.routing } : {}) } })
      }\n` +
      `${JSON.stringify({ title: `first ${key.id}`, n: 0, kind: "initial" })}\n`
    ).join("");
    await bulk(`${url}/${index}`, lines);
  }
  return keys;
}

/** `_bulk` lines indexing `count` small documents `<prefix>0..`. */
function documentLines(prefix: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `${JSON.stringify({ index: { _id: `${prefix}${i}` } })}\n${JSON.stringify({ n: i })}\n`,
  ).join("");
}

/** A `sync` running in the background, its JSON lines and stderr gathered as they come. */
interface Background {
  child: Deno.ChildProcess;
  /** Each JSON line, with the time it was read. */
  lines: Array<{ at: number; value: Record<string, unknown> }>;
  stderr: () => string;
  /** Exit code (or signal) once it ended, with everything it printed read. */
  ended: Promise<Deno.CommandStatus>;
}

/** Starts `fetch-migration <args>` with spawnCli, reading stdout (JSON lines) and stderr. */
function spawnSync(args: string[]): Background {
  const child = spawnCli(args, { stdout: "piped", stderr: "piped" });
  const lines: Background["lines"] = [];
  let errors = "";
  const stdout = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const part of parts.filter((line) => line.trim() !== "")) {
        lines.push({ at: Date.now(), value: JSON.parse(part) });
      }
    }
  })();
  const stderr = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) errors += chunk;
  })();
  const ended = Promise.all([child.status, stdout, stderr]).then(([status]) => status);
  return { child, lines, stderr: () => errors, ended };
}

/** Waits until `ready()` holds, `seconds` at most; fails naming `what`. */
async function waitFor(
  what: string,
  seconds: number,
  ready: () => boolean | Promise<boolean>,
  context: () => string = () => "",
) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert(false, `waited ${seconds} s for ${what}\n${context()}`);
}

/** The pass lines of a background sync. */
function passes(background: Background) {
  return background.lines
    .filter((line) => line.value.type === "pass")
    .map((line) => ({ at: line.at, ...(line.value as unknown as PassLine) }));
}

/** One pass line of `sync --json`. */
interface PassLine {
  pass: number;
  started_at: string;
  ended_at: string;
  changes: number;
  refused: number;
  deletes: number;
  deletes_checked: boolean;
  lag_operations: number;
  lag_seconds: number;
}

/** SIGTERM: the sync stops with exit 1 and says how to continue. */
async function stopSync(background: Background): Promise<void> {
  background.child.kill("SIGTERM");
  const status = await background.ended;
  assertEquals(status.code, 1, `sync after SIGTERM:\n${background.stderr()}`);
  assertStringIncludes(background.stderr(), "run the same command to keep following");
  assertStringIncludes(background.stderr(), "fetch-migration rollback --journal ");
  assertNoStackTrace(background.stderr());
}

/** Ends a background sync left running by a failed test (nothing when it already ended). */
async function killed(background: Background): Promise<void> {
  try {
    background.child.kill("SIGKILL");
  } catch {
    // Already ended.
  }
  await background.ended.catch(() => {});
}

/**
 * A sync scenario's scene: its nodes, prefix and directory, the journal `sync.json`, and what it
 * starts in the background, so that its end stops them whatever happened.
 */
type SyncScene<N extends NodeName> = Scene<N> & {
  /** A writer (not started yet), stopped at the scenario's end. */
  newWriter(...args: ConstructorParameters<typeof Writer>): Writer;
  /** `fetch-migration <args>` in the background (spawnSync), killed at the end if it still runs. */
  backgroundSync(args: string[]): Background;
};

/** Runs `body` in a scene of `names`; then stops its writers and kills its background syncs. */
async function inSyncScene<N extends NodeName>(
  names: N[],
  body: (scene: SyncScene<N>) => Promise<void>,
): Promise<void> {
  await inScene(names, "sync", async (scene) => {
    const writers: Writer[] = [];
    const backgrounds: Background[] = [];
    try {
      await body({
        ...(scene as Scene<N>),
        journal: `${scene.dir}/sync.json`,
        newWriter(...args) {
          writers.push(new Writer(...args));
          return writers.at(-1)!;
        },
        backgroundSync(args) {
          backgrounds.push(spawnSync(args));
          return backgrounds.at(-1)!;
        },
      });
    } finally {
      for (const writer of writers) await writer.stop().catch(() => {});
      for (const background of backgrounds) await killed(background);
    }
  });
}

function syncArgs(source: NodeHandle, target: NodeHandle, p: string, journal: string): string[] {
  return ["sync", ...endpoints(source, target, `${p}*`), "--journal", journal, "--interval", "1"];
}

/** Of `keys`, those `index` on `url` holds (an `ids` query: every shard, routing or not). */
async function present(url: string, index: string, keys: Key[]): Promise<string[]> {
  const found: string[] = [];
  await call(`${url}/${index}/_refresh`, "POST");
  for (let at = 0; at < keys.length; at += 1000) {
    const answer = await call(`${url}/${index}/_search`, "POST", {
      size: 1000,
      _source: false,
      query: { ids: { values: keys.slice(at, at + 1000).map((key) => key.id) } },
    }) as { hits: { hits: Array<{ _id: string }> } };
    found.push(...answer.hits.hits.map((hit) => hit._id));
  }
  return found;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The lag of the passes that ended while the writer wrote, printed and returned. */
function reportLag(label: string, background: Background, writer: Writer) {
  const during = passes(background).filter((line) =>
    line.at >= writer.startedAt && line.at <= writer.stoppedAt
  );
  assert(
    during.length >= 3,
    `only ${during.length} passes ended while the writer wrote:\n${background.stderr()}`,
  );
  const seconds = during.map((line) => line.lag_seconds);
  const operations = during.map((line) => line.lag_operations);
  const lag = {
    passes: during.length,
    seconds: { median: median(seconds), max: Math.max(...seconds) },
    operations: { median: median(operations), max: Math.max(...operations) },
  };
  console.log(
    `${label}: ${writer.total} operations in ${
      ((writer.stoppedAt - writer.startedAt) / 1000).toFixed(1)
    } s (${writer.counts.delete} deletes); lag over ${lag.passes} passes: ` +
      `seconds median ${lag.seconds.median.toFixed(2)} max ${lag.seconds.max.toFixed(2)}, ` +
      `operations median ${lag.operations.median} max ${lag.operations.max}`,
  );
  return lag;
}

// ---------------------------------------------------------------------------------------------
// The scenarios

/**
 * The long scenario: a live writer for WRITE_SECONDS while `sync --json` follows, then the final
 * pass, the deletes checked on the target, and a separate verify.
 */
async function followLiveWriter(from: NodeName, to: NodeName) {
  await inSyncScene([from, to], async (scene) => {
    const { p, journal, newWriter, backgroundSync } = scene;
    const [source, target] = [scene[from], scene[to]];
    const index = `${p}live`;
    const initial = await createIndex(source.url, index, 3000, 1000);
    const args = syncArgs(source, target, p, journal);
    const background = backgroundSync([...args, "--json"]);
    // The writer starts with the copy: changes made during it must arrive too.
    const writer = newWriter(source.url, index, initial);
    writer.start();
    await new Promise((resolve) => setTimeout(resolve, WRITE_SECONDS * 1000));
    await writer.stop();
    const lag = reportLag(`${from} -> ${to} lag`, background, writer);
    // Not a fixed limit on a shared machine, but a sync that keeps up is seconds behind.
    assert(lag.seconds.median < 10, `median lag ${lag.seconds.median} s`);
    assert(
      writer.counts.delete >= writer.total / 3 - 1 && writer.total >= RATE * WRITE_SECONDS * 0.8,
      `the writer fell short: ${JSON.stringify(writer.counts)}`,
    );
    // The deletes arrived while the writer wrote, not only at the end.
    const applied = passes(background).reduce((sum, line) => sum + line.deletes, 0);
    assert(applied > writer.counts.delete / 2, `${applied} deletes applied by the passes`);
    await stopSync(background);
    const final = await runCli([...args, "--final", "--json"]);
    assertEquals(final.code, 0, `sync --final:\n${final.stderr}`);
    assertStringIncludes(final.stderr, "the target equals the source");
    const result = JSON.parse(final.stdout.trim().split("\n").at(-1)!);
    assertEquals([result.type, result.status, result.ended_by], ["result", "succeeded", "final"]);
    const deleted = [...writer.deleted.values()];
    assertEquals(await present(source.url, index, deleted), [], "deleted ids on the source");
    assertEquals(await present(target.url, index, deleted), [], "deleted ids on the target");
    assertEquals(await refreshedCount(target.url, index), writer.live.size);
    await assertVerified(source, target, p);
  });
}

Deno.test("sync es7 -> os2 follows a writer (inserts, updates, deletes, routing) at 200 operations/s; --final ends equal", () =>
  followLiveWriter("es7", "os2"));

Deno.test("sync os2 -> os3 follows a writer (inserts, updates, deletes, routing) at 200 operations/s; --final ends equal", () =>
  followLiveWriter("os2", "os3"));

/** Every checkpoint of `later` is at or above the same shard's in `earlier`; names the first not. */
function backwards(earlier: Checkpoints, later: Checkpoints): string | undefined {
  for (const [index, shards] of Object.entries(earlier)) {
    for (const [shard, checkpoint] of Object.entries(shards)) {
      const now = later[index]?.[shard];
      if (now === undefined || now < checkpoint) {
        return `${index} shard ${shard}: ${checkpoint} then ${now}`;
      }
    }
  }
  return undefined;
}

type Checkpoints = Record<string, Record<string, number>>;

/** The journal's sync part as far as this test reads it. */
interface SyncJournal {
  checkpoints: Checkpoints;
  passes: number;
}

/** Reads the journal every 20 ms while `until` is not set, keeping each sync reading. */
function watchJournal(path: string) {
  const readings: SyncJournal[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const sync = (await readJournal(path))?.sync as SyncJournal | undefined;
      if (sync) readings.push(structuredClone(sync));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    readings,
    async stop() {
      stop = true;
      await done;
    },
  };
}

Deno.test("kill -9 of sync mid-pass while the writer writes: the same command continues, checkpoints never move back, --final ends equal", () =>
  inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal, newWriter, backgroundSync }) => {
    const index = `${p}kill`;
    const initial = await createIndex(es7.url, index, 3000, 1000);
    // Small pages: a pass saves its checkpoints many times, so the kill falls inside one.
    const args = [...syncArgs(es7, os2, p, journal), "--page-size", "10"];
    const first = backgroundSync([...args, "--json"]);
    await waitFor("the first pass", 60, () => passes(first).length > 0);
    const writer = newWriter(es7.url, index, initial, { seed: 11 });
    writer.start();
    const watch = watchJournal(journal);
    // Mid-pass: a checkpoint moved while the pass count did not.
    await waitFor("a checkpoint saved inside a pass", 30, () => {
      const [before, now] = watch.readings.slice(-2);
      return !!before && before.passes >= 2 && now.passes === before.passes &&
        backwards(now.checkpoints, before.checkpoints) !== undefined;
    });
    first.child.kill("SIGKILL");
    assertEquals((await first.ended).signal, "SIGKILL");
    const passesAtKill = watch.readings.at(-1)!.passes;
    const readingsBeforeKill = watch.readings.length;

    const again = backgroundSync([...args, "--json"]);
    await waitFor("four passes after the kill", 60, () => passes(again).length >= 4);
    await writer.stop();
    await waitFor(
      "a pass after the writer stopped",
      30,
      () => passes(again).some((line) => line.at > writer.stoppedAt),
    );
    await stopSync(again);
    await watch.stop();
    assert(
      !again.stderr().includes("copying first"),
      `the re-run copied again:\n${again.stderr()}`,
    );
    assertEquals(passes(again)[0].pass, passesAtKill + 1, "the re-run did not continue the passes");

    const final = await runCli([...args, "--final"]);
    assertEquals(final.code, 0, `sync --final:\n${final.stderr}`);
    const last = (await readJournal(journal))?.sync as SyncJournal;
    const readings = [...watch.readings, last];
    assert(readings.length > readingsBeforeKill + 2, "too few journal readings after the kill");
    for (let i = 1; i < readings.length; i++) {
      const moved = backwards(readings[i - 1].checkpoints, readings[i].checkpoints);
      assert(moved === undefined, `a checkpoint moved backwards (reading ${i}): ${moved}`);
    }
    console.log(
      `killed at pass ${passesAtKill + 1} after ${readingsBeforeKill} journal readings; ` +
        `${readings.length - readingsBeforeKill} readings after; ${writer.total} operations`,
    );
    assertEquals(await present(os2.url, index, [...writer.deleted.values()]), []);
    assertEquals(await refreshedCount(os2.url, index), writer.live.size);
    await assertVerified(es7, os2, p);
  }));

/** A single write to `index` on `url`: its status and error type. */
async function writeOne(url: string, index: string, id: string) {
  const response = await fetch(`${url}/${index}/_doc/${id}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "after the cutover" }),
  });
  const answer = await response.json();
  return { status: response.status, type: answer?.error?.type as string | undefined };
}

/**
 * `sync --final --freeze-source` while the writer writes, after an index appeared since the last
 * pass: the writer is refused during the final pass, the final pass ends equal, every index of
 * the selection (the late one too) refuses writes after it, and `lift` makes them accept again.
 */
async function freezeThenLift(lift: "unfreeze" | "rollback") {
  await inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal, newWriter }) => {
    const index = `${p}frozen`;
    const late = `${p}late`;
    const initial = await createIndex(es7.url, index, 2000, 500);
    const args = syncArgs(es7, os2, p, journal);
    const caughtUp = await runCli([...args, "--until-lag", "0"]);
    assertEquals(caughtUp.code, 0, `sync --until-lag 0:\n${caughtUp.stderr}`);
    // Created after the last pass: the final pass follows it, so it must be frozen too.
    await createIndex(es7.url, late, 300, 0);
    const writer = newWriter(es7.url, index, initial, { stopOnBlock: true, seed: 5 });
    writer.start();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const final = await runCli([...args, "--final", "--freeze-source"]);
    assertEquals(final.code, 0, `sync --final --freeze-source:\n${final.stderr}`);
    assertStringIncludes(final.stderr, "the target equals the source");
    assertMatch(final.stderr, /refuses writes/);
    assert(await writer.stopped(5000), "the writer was not refused by the frozen source");
    await writer.stop();
    assertEquals(writer.blocked?.status, 403, `refused with ${JSON.stringify(writer.blocked)}`);
    assertEquals(writer.blocked?.type, "cluster_block_exception");
    assert(writer.total > 0, "the writer wrote nothing before the freeze");
    for (const name of [index, late]) {
      assertEquals(await writeOne(es7.url, name, "after-1"), {
        status: 403,
        type: "cluster_block_exception",
      }, `a write to ${name} after the final pass`);
    }
    assertEquals(await refreshedCount(os2.url, index), writer.live.size);
    assertEquals(await refreshedCount(os2.url, late), 300);
    await assertVerified(es7, os2, p);

    if (lift === "unfreeze") {
      const lifted = await runCli([...args, "--unfreeze"]);
      assertEquals(lifted.code, 0, `sync --unfreeze:\n${lifted.stderr}`);
      assertStringIncludes(lifted.stderr, "the source accepts writes again");
    } else {
      const rolledBack = await runCli([
        "rollback",
        "--journal",
        journal,
        "--target",
        os2.url,
        "--source",
        es7.url,
        "--yes",
      ]);
      assertEquals(rolledBack.code, 0, `rollback:\n${rolledBack.stderr}`);
      assertStringIncludes(rolledBack.stderr, "the source accepts writes again");
    }
    for (const name of [index, late]) {
      assertEquals((await writeOne(es7.url, name, "after-2")).status, 201, `a write to ${name}`);
    }
    if (lift === "rollback") {
      // The rollback deleted what the run created on the target; the same sync starts over.
      const again = await runCli([...args, "--until-lag", "0"]);
      assertEquals(again.code, 0, `sync after the rollback:\n${again.stderr}`);
      assertStringIncludes(again.stderr, "copying first");
      await assertVerified(es7, os2, p);
    }
  });
}

Deno.test("sync --final --freeze-source: the source refuses writes from the final pass on; sync --unfreeze lifts it", async () => {
  await freezeThenLift("unfreeze");
});

Deno.test("sync --final --freeze-source, then rollback --source: the source accepts writes again and sync starts over", async () => {
  await freezeThenLift("rollback");
});

Deno.test("lag falls to 0 once the writer stops (JSON lines and --metrics-port); an index created mid-sync arrives whole", () =>
  inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal, newWriter, backgroundSync }) => {
    const index = `${p}lag`;
    const fresh = `${p}new`;
    const initial = await createIndex(es7.url, index, 2000, 500);
    const args = syncArgs(es7, os2, p, journal);
    const background = backgroundSync([...args, "--json", "--metrics-port", String(METRICS_PORT)]);
    await waitFor("the first pass", 60, () => passes(background).length > 0);
    const writer = newWriter(es7.url, index, initial, { seed: 3 });
    writer.start();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Mid-sync: a new index of the selection, filled while the sync runs.
    await createIndex(es7.url, fresh, 1500, 500);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await writer.stop();
    const behind = passes(background).filter((line) => line.at <= writer.stoppedAt);
    assert(behind.some((line) => line.lag_operations > 0), "no pass saw the writer's lag");
    // The new index is looked for every few seconds, not every pass.
    await waitFor("the new index followed", 30, () => background.stderr().includes(fresh));
    const followedAt = Date.now();
    await waitFor(
      "a pass with lag 0 after the writer stopped",
      30,
      () =>
        passes(background).some((line) =>
          line.at > Math.max(writer.stoppedAt, followedAt) && line.deletes_checked &&
          line.lag_operations === 0 && line.lag_seconds === 0
        ),
      () => `${JSON.stringify(passes(background).slice(-3))}\n${background.stderr()}`,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics/prometheus`))
      .text();
    assertMatch(metrics, /^fetch_migration_sync_lag_operations 0(\.0)?$/m);
    assertMatch(metrics, /^fetch_migration_sync_lag_seconds 0(\.0)?$/m);
    const total = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1]);
    assert(total("fetch_migration_sync_passes_total") >= passes(background).length - 1, metrics);
    assert(total("fetch_migration_sync_deletes_total") > 0, metrics);
    assert(total("fetch_migration_sync_changes_total") > 0, metrics);
    assertStringIncludes(background.stderr(), `new on the source, now followed: ${fresh}`);
    assertEquals(await refreshedCount(os2.url, fresh), 2000);
    const deleted = [...writer.deleted.values()];
    assertEquals(await present(os2.url, index, deleted), [], "deleted ids on the target");
    assertEquals(await refreshedCount(os2.url, index), writer.live.size);
    await stopSync(background);
    await assertVerified(es7, os2, p);
  }));

Deno.test("sync --until-lag 0 ends only once an index created mid-sync has arrived whole", () =>
  inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal, newWriter, backgroundSync }) => {
    const index = `${p}until`;
    const fresh = `${p}until-new`;
    const initial = await createIndex(es7.url, index, 2000, 500);
    const writer = newWriter(es7.url, index, initial, { seed: 17 });
    writer.start();
    // Small bulks one at a time: the first copy takes seconds after its plan is made.
    const background = backgroundSync([
      ...syncArgs(es7, os2, p, journal),
      "--until-lag",
      "0",
      "--json",
      "--concurrency",
      "1",
      "--batch-bytes",
      "1kb",
    ]);
    await waitFor("the first copy's plan", 60, () => background.stderr().includes("migrating "));
    // Paused in its first copy, the sync cannot catch up before the new index exists; a writer
    // alone cannot promise that (a short pass may fall between two of its writes).
    background.child.kill("SIGSTOP");
    try {
      assert(
        !background.stderr().includes("pass 1:"),
        `the first copy ended before the pause:\n${background.stderr()}`,
      );
      await createIndex(es7.url, fresh, 1000, 200);
      // Its changes during the copy are the passes' to bring; none may come after catching up.
      await writer.stop();
      assert(writer.total > 0, "the writer changed nothing during the first copy");
    } finally {
      background.child.kill("SIGCONT");
    }
    const status = await background.ended;
    assertEquals(status.code, 0, `sync --until-lag 0:\n${background.stderr()}`);
    assertEquals(background.lines.at(-1)?.value.ended_by, "caught_up");
    assertStringIncludes(background.stderr(), `new on the source, now followed: ${fresh}`);
    assertEquals(await refreshedCount(os2.url, fresh), 1200, `${fresh} on the target`);
    assertEquals(await refreshedCount(os2.url, index), writer.live.size);
    await assertVerified(es7, os2, p);
  }));

Deno.test("SIGTERM while a pass waits to write: exit 1 saying to run the same command, no stack trace; it continues", () =>
  inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal, backgroundSync }) => {
    const index = `${p}term`;
    await createIndex(es7.url, index, 100, 0);
    // One request at a time, a few documents each: a large pass has writes waiting their turn.
    const args = [
      ...syncArgs(es7, os2, p, journal),
      "--concurrency",
      "1",
      "--batch-bytes",
      "1kb",
    ];
    const background = backgroundSync(args);
    await waitFor("the first pass", 60, () => background.stderr().includes("pass 1:"));
    const keys = Array.from({ length: 20_000 }, (_, i) => ({ id: `bulk${i}` }));
    for (let at = 0; at < keys.length; at += 5000) {
      const lines = keys.slice(at, at + 5000).map((key) =>
        `${JSON.stringify({ index: { _id: key.id } })}\n${JSON.stringify({ n: at })}\n`
      ).join("");
      await bulk(`${es7.url}/${index}`, lines);
    }
    const before = ((await readJournal(journal))?.sync as SyncJournal).checkpoints;
    await waitFor("a pass writing the changes", 30, async () => {
      const now = ((await readJournal(journal))?.sync as SyncJournal | undefined)?.checkpoints;
      return !!now && backwards(now, before) !== undefined;
    });
    await stopSync(background);
    const final = await runCli([...syncArgs(es7, os2, p, journal), "--final"]);
    assertEquals(final.code, 0, `sync --final:\n${final.stderr}`);
    assertEquals(await refreshedCount(os2.url, index), 20_100);
  }));

Deno.test("sync --final --freeze-source with eight writers' bulks in flight: every write the source acknowledged is on the target", () =>
  inScene(["es7", "os2"], "sync", async ({ es7, os2, p, dir }) => {
    // A write in flight when the block lands is the race: each round has a chance to hit it.
    for (let round = 0; round < 3; round++) {
      const index = `${p}race${round}`;
      const args = [...syncArgs(es7, os2, index, `${dir}/sync${round}.json`)];
      await call(`${es7.url}/${index}`, "PUT", {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
      });
      const caughtUp = await runCli([...args, "--until-lag", "0"]);
      assertEquals(caughtUp.code, 0, `sync --until-lag 0:\n${caughtUp.stderr}`);
      let stop = false;
      let acknowledged = 0;
      const writers = Array.from({ length: 8 }, async (_, writer) => {
        for (let bulk = 0; !stop; bulk++) {
          const lines = Array.from(
            { length: 200 },
            (_, i) =>
              `${JSON.stringify({ index: { _id: `w${writer}-${bulk}-${i}` } })}\n` +
              `${JSON.stringify({ n: i, pad: "x".repeat(200) })}\n`,
          ).join("");
          const response = await fetch(`${es7.url}/${index}/_bulk`, {
            method: "POST",
            headers: { "content-type": "application/x-ndjson" },
            body: lines,
          });
          const answer = await response.json();
          if (!response.ok) break;
          const items = answer.items as Array<{ index: { status: number } }>;
          acknowledged += items.filter((item) => item.index.status === 201).length;
          if (answer.errors) break;
        }
      });
      const final = await runCli([...args, "--final", "--freeze-source"]);
      stop = true;
      await Promise.all(writers);
      assertEquals(final.code, 0, `round ${round}, sync --final --freeze-source:\n${final.stderr}`);
      assertEquals(await refreshedCount(os2.url, index), acknowledged, `round ${round}`);
      const lifted = await runCli([...args, "--unfreeze"]);
      assertEquals(lifted.code, 0, lifted.stderr);
    }
  }));

Deno.test("documents the source had not made visible when the copy began (refresh_interval -1) arrive with the first pass", () =>
  inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal }) => {
    const index = `${p}unrefreshed`;
    await call(`${es7.url}/${index}`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: "-1" },
    });
    await bulk(`${es7.url}/${index}`, documentLines("seen", 100));
    // Acknowledged, but not searchable until the next refresh: the copy reads around them.
    await bulk(`${es7.url}/${index}`, documentLines("unseen", 1000), false);
    const args = syncArgs(es7, os2, p, journal);
    const caughtUp = await runCli([...args, "--until-lag", "0"]);
    assertEquals(caughtUp.code, 0, `sync --until-lag 0:\n${caughtUp.stderr}`);
    assertEquals(await refreshedCount(os2.url, index), 1100);
    const final = await runCli([...args, "--final"]);
    assertEquals(final.code, 0, `sync --final:\n${final.stderr}`);
  }));

Deno.test("a field new to the source's mapping since the last pass (dynamic mapping): --final copies it and ends equal", () =>
  inSyncScene(["es7", "os2"], async ({ es7, os2, p, journal }) => {
    const index = `${p}grows`;
    await createIndex(es7.url, index, 200, 50);
    const args = syncArgs(es7, os2, p, journal);
    const caughtUp = await runCli([...args, "--until-lag", "0"]);
    assertEquals(caughtUp.code, 0, `sync --until-lag 0:\n${caughtUp.stderr}`);
    const lines = Array.from(
      { length: 100 },
      (_, i) =>
        `${JSON.stringify({ index: { _id: `g${i}` } })}\n` +
        `${JSON.stringify({ title: `grown ${i}`, added_later: { at: i, label: "new" } })}\n`,
    ).join(
      "",
    );
    await bulk(`${es7.url}/${index}`, lines);
    const final = await runCli([...args, "--final"]);
    assertEquals(final.code, 0, `sync --final:\n${final.stderr}`);
    assertEquals(await refreshedCount(os2.url, index), 350);
  }));
