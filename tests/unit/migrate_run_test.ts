/**
 * The run flow's decisions, with fake clusters and a fake engine: when a run succeeded, when it
 * is incomplete and what it names, when it continues a journal, and what it refuses before
 * changing anything. (The same flow runs against real nodes in tests/integration/.)
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import type { ClusterInfo } from "../../src/cluster/version.ts";
import { BadInputError, FetchMigrationError } from "../../src/errors.ts";
import type { Journal } from "../../src/journal/journal.ts";
import { DEFAULT_PLAN_OPTIONS, emptyBuckets } from "../../src/metadata/plan.ts";
import type { Creation, MigrationPlan } from "../../src/metadata/types.ts";
import type { CopyOutcome, Engine } from "../../src/migrate/engine.ts";
import type { CreateOptions, IndexCounts, MigrationIO } from "../../src/migrate/io.ts";
import { type MigrationOptions, runMigration } from "../../src/migrate/run.ts";

const ES7: ClusterInfo = {
  distribution: "elasticsearch",
  version: "7.10.2",
  major: 7,
  minor: 10,
  patch: 2,
  clusterName: "source",
  clusterUuid: "source-uuid",
};
const OS2: ClusterInfo = {
  ...ES7,
  distribution: "opensearch",
  version: "2.19.6",
  major: 2,
  minor: 19,
  clusterName: "target",
  clusterUuid: "target-uuid",
};

/** A plan: `logs` to create (9 000 documents), plus what a test adds. */
function plan(change: (plan: MigrationPlan) => void = () => {}): MigrationPlan {
  const result: MigrationPlan = {
    source: { url: "http://source:9200", distribution: "elasticsearch", version: "7.10.2" },
    target: { url: "http://target:9200", distribution: "opensearch", version: "2.19.6" },
    indices: { ...emptyBuckets(), create: ["logs"] },
    left_out: [],
    data_streams: {
      create: [],
      identical_empty: [],
      identical: [],
      partially_filled: [],
      unsupported: [],
      excluded: [],
    },
    inventory: {
      indices: {
        source: 1,
        migrating: 1,
        identical: 0,
        not_migratable: 0,
        excluded: 0,
        system: 0,
        hidden: 0,
        backing: 0,
      },
      data_streams: {
        source: 0,
        migrating: 0,
        identical: 0,
        not_migratable: 0,
        excluded: 0,
        system: 0,
      },
    },
    templates: { component: emptyBuckets(), index: emptyBuckets(), legacy: emptyBuckets() },
    ingest_pipelines: { ...emptyBuckets(), mode: "referenced" },
    template_selection: { mode: "matching", decisions: [] },
    documents: { total: 9000, per_index: { logs: 9000 } },
    transformations: [],
    creations: [{ kind: "index", name: "logs", body: { settings: {}, mappings: {}, aliases: {} } }],
  };
  change(result);
  return result;
}

/** Fake clusters: what they answer, and what was asked of them. */
class FakeIO implements MigrationIO {
  /** Every privilege check asked: the duty, the indices, those to create. */
  privilegeChecks: Array<[string, string[], string[]]> = [];
  /** Thrown by the privilege check, when set. */
  refusal?: Error;
  checkPrivileges(duty: string, indices: string[], toCreate: string[]): Promise<void> {
    // The fourth argument (whether the engine tunes) is the engine's own: not recorded.
    this.privilegeChecks.push([duty, indices, toCreate]);
    return this.refusal ? Promise.reject(this.refusal) : Promise.resolve();
  }
  sourceUrl = "http://source:9200";
  targetUrl = "http://target:9200";
  created: Creation[] = [];
  targetCounts: Record<string, number> = {};
  missing: string[] = [];
  /** Names another process created first: creating them finds them taken. */
  taken: string[] = [];
  /** Taken names judged the same as what this run would have created. */
  found: string[] = [];
  /** The plan read after the first one (another part has created things by then). */
  later?: MigrationPlan;
  plansRead = 0;
  keptOnFailure?: boolean;
  constructor(public plan: MigrationPlan, public target: ClusterInfo = OS2) {}
  info() {
    return Promise.resolve({ source: ES7, target: this.target });
  }
  readPlan() {
    const plan = this.plansRead++ === 0 ? this.plan : this.later ?? this.plan;
    return Promise.resolve(structuredClone(plan));
  }
  async create(
    creations: Creation[],
    _journal: Journal,
    { keepOnFailure, whenExisting }: CreateOptions,
  ) {
    this.keptOnFailure = keepOnFailure;
    const made: Creation[] = [];
    for (const creation of creations) {
      if (this.taken.includes(creation.name)) {
        const differs = whenExisting ? await whenExisting(creation) : "exists";
        if (differs !== undefined) {
          throw new FetchMigrationError("refused", `creating ${creation.name} failed: ${differs}`);
        }
        this.found.push(creation.name);
        continue;
      }
      made.push(creation);
    }
    this.created.push(...made);
    return {
      created: made.map(({ kind, name }) => ({ kind, name })),
      transformations: [],
      ...(whenExisting
        ? { existing: this.found.map((name) => ({ kind: "index" as const, name })) }
        : {}),
    };
  }
  rolledBack = 0;
  rollback() {
    this.rolledBack++;
    return Promise.resolve({
      deleted: this.created.map(({ kind, name }) => ({ kind, name })),
      missing: [],
      failed: [],
    });
  }
  missingOnTarget(indices: string[]) {
    return Promise.resolve(indices.filter((index) => this.missing.includes(index)));
  }
  counts(indices: string[]): Promise<IndexCounts[]> {
    return Promise.resolve(indices.map((index) => ({
      index,
      source: this.plan.documents.per_index[index] ?? 0,
      target: this.targetCounts[index] ?? null,
    })));
  }
}

/** A fake engine that keeps its state in the journal's backfill section, like the real one. */
class FakeEngine implements Engine {
  readonly name = "fake";
  resumable = true;
  copies = 0;
  restarts = 0;
  constructor(public outcome: Partial<CopyOutcome> = {}) {}
  async prepare(journal: Journal, documents: Record<string, number>) {
    journal.data.backfill = {
      source: "http://source:9200",
      indices: documents,
      units: [],
      tuned: {},
      deadLetters: 0,
      status: "running",
    };
    await journal.save();
  }
  indices(journal: Journal) {
    return Object.keys(journal.data.backfill?.indices ?? {});
  }
  restart() {
    this.restarts++;
    return Promise.resolve();
  }
  resumePoint() {
    return { done: 0, total: 1, copied: 0 };
  }
  async copy(journal: Journal): Promise<CopyOutcome> {
    this.copies++;
    const outcome: CopyOutcome = {
      copied: 9000,
      expected: 9000,
      perIndex: {},
      interrupted: false,
      deadLettered: 0,
      deadLetterReasons: {},
      notRestored: [],
      figures: {},
      ...this.outcome,
    };
    journal.data.backfill!.status = outcome.interrupted
      ? "running"
      : outcome.deadLettered > 0
      ? "failed"
      : "completed";
    await journal.save();
    return outcome;
  }
}

function options(dir: string, change: Partial<MigrationOptions> = {}): MigrationOptions {
  return {
    plan: DEFAULT_PLAN_OPTIONS,
    journalPath: `${dir}/run.json`,
    dryrun: false,
    createOnly: false,
    restart: false,
    keepOnFailure: false,
    skipUnmigratable: false,
    retryDeadLetters: false,
    allowElasticsearchTarget: false,
    signal: new AbortController().signal,
    ...change,
  };
}

async function journalStatus(dir: string): Promise<string> {
  return JSON.parse(await Deno.readTextFile(`${dir}/run.json`)).status;
}

Deno.test("runMigration: every document counted on the target is a completed run", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.targetCounts.logs = 9000;
  const result = await runMigration(io, new FakeEngine(), options(dir));
  assertEquals(result.status, "completed");
  assertEquals(result.failure, undefined);
  assertEquals(io.created.map(({ name }) => name), ["logs"]);
  assertEquals(await journalStatus(dir), "completed");
});

Deno.test("runMigration: fewer documents on the target than the source is incomplete, named", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.targetCounts.logs = 8045;
  const result = await runMigration(io, new FakeEngine(), options(dir));
  assertEquals(result.status, "incomplete");
  assert(result.failure instanceof FetchMigrationError);
  assertEquals(result.failure.errorKind, "incomplete");
  assertStringIncludes(result.failure.message, "logs: 8045 of 9000 documents on the target");
  assertEquals(await journalStatus(dir), "incomplete");
});

Deno.test("runMigration: dead letters leave the run unfinished, and the next run continues it", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.targetCounts.logs = 8045;
  const engine = new FakeEngine({
    copied: 8045,
    deadLettered: 955,
    deadLetterFile: `${dir}/run.dead-letter.ndjson`,
    deadLetterReasons: { "429 es_rejected_execution_exception": 955 },
  });
  const first = await runMigration(io, engine, options(dir));
  assertEquals(first.status, "incomplete");
  assertStringIncludes(first.failure!.message, "955 documents refused by the target");
  assertStringIncludes(first.failure!.message, "955 429 es_rejected_execution_exception");
  assertStringIncludes(first.failure!.hint!, "run the same command again");

  engine.outcome = {};
  io.targetCounts.logs = 9000;
  const second = await runMigration(io, engine, options(dir));
  assertEquals(second.resumed, true, "the second run continues the first one's journal");
  assertEquals(io.created.length, 1, "nothing is created again");
  assertEquals(second.status, "completed");
  assertEquals(engine.copies, 2);
});

Deno.test("runMigration: an interrupted copy keeps the journal running and says how to continue", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  const engine = new FakeEngine({ interrupted: true, copied: 6056 });
  const result = await runMigration(io, engine, options(dir));
  assertEquals(result.status, "interrupted");
  assertEquals(result.failure!.errorKind, "interrupted");
  assertStringIncludes(result.failure!.message, "6,056 of 9,000 documents copied so far");
  assertEquals(await journalStatus(dir), "running");
  engine.outcome = {};
  io.targetCounts.logs = 9000;
  assertEquals((await runMigration(io, engine, options(dir))).resumed, true);
});

Deno.test("runMigration: selected indices that cannot be migrated fail the run unless skipped on request", async () => {
  const withProblems = plan((p) => {
    p.indices.conflicting = [{
      name: "orders",
      differences: [{ path: "mappings.properties.a.type", source: "long", target: "keyword" }],
    }];
    p.indices.unsupported = [{ name: "vectors", reason: "dense_vector needs the k-NN plugin" }];
  });
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(withProblems);
  io.targetCounts.logs = 9000;
  const result = await runMigration(io, new FakeEngine(), options(dir));
  assertEquals(result.status, "incomplete");
  assertStringIncludes(result.failure!.message, "orders: conflicting: already on the target");
  assertStringIncludes(
    result.failure!.message,
    "vectors: unsupported: dense_vector needs the k-NN plugin",
  );
  assertStringIncludes(result.failure!.hint!, "--skip-unmigratable");
  const skipped = await runMigration(
    io,
    new FakeEngine(),
    options(await Deno.makeTempDir(), { skipUnmigratable: true }),
  );
  assertEquals(skipped.status, "completed");
});

Deno.test("runMigration: a partially filled index without a journal is refused before anything is created; --restart copies it", async () => {
  const partial = plan((p) => {
    p.indices.create = [];
    p.creations = [];
    p.indices.partially_filled = [{ name: "logs", source_documents: 9000, target_documents: 6056 }];
  });
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(partial);
  const error = await assertRejects(() => runMigration(io, new FakeEngine(), options(dir)));
  assert(error instanceof FetchMigrationError);
  assertStringIncludes(error.message, "logs: partially filled: 6056 of 9000 documents");
  assertStringIncludes(error.hint!, "--restart");
  await assertRejects(() => Deno.stat(`${dir}/run.json`), /No such file/);
  io.targetCounts.logs = 9000;
  const engine = new FakeEngine();
  const restarted = await runMigration(io, engine, options(dir, { restart: true }));
  assertEquals(restarted.status, "completed");
  assertEquals(restarted.indices, ["logs"]);
  assertEquals(engine.copies, 1);
});

Deno.test("runMigration: privileges are asked before anything is created, for the indices to create; a refusal creates nothing and writes no journal", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.refusal = new FetchMigrationError("unreachable", "the source does not grant read");
  const engine = new FakeEngine();
  await assertRejects(() => runMigration(io, engine, options(dir)), /does not grant read/);
  assertEquals(io.privilegeChecks.length, 1);
  const [duty, indices, toCreate] = io.privilegeChecks[0];
  assertEquals(duty, "copy");
  assertEquals(toCreate, indices, "every index of a first run is created");
  assertEquals(io.created, []);
  assertEquals(engine.copies, 0);
  await assertRejects(() => Deno.stat(`${dir}/run.json`), /No such file/);
});

Deno.test("runMigration: an include that matches nothing, the same cluster twice, or an Elasticsearch target are bad input, and nothing is written", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  const typo = await assertRejects(() =>
    runMigration(
      io,
      new FakeEngine(),
      options(dir, { plan: { ...DEFAULT_PLAN_OPTIONS, include: ["lgos*"] } }),
    )
  );
  assert(typo instanceof BadInputError);
  assertStringIncludes(typo.message, "--include lgos* matches no index (closest: logs)");

  const same = new FakeIO(plan());
  same.targetUrl = same.sourceUrl;
  assert(
    await assertRejects(() => runMigration(same, new FakeEngine(), options(dir))) instanceof
      BadInputError,
  );

  const elastic = new FakeIO(plan(), { ...ES7, clusterUuid: "other" });
  const refused = await assertRejects(() => runMigration(elastic, new FakeEngine(), options(dir)));
  assertStringIncludes(refused.message, "is Elasticsearch 7.10.2, not OpenSearch");
  assertEquals(io.created.length + same.created.length + elastic.created.length, 0);
  await assertRejects(() => Deno.stat(`${dir}/run.json`), /No such file/);
});

Deno.test("runMigration: with verify, a document that differs makes the run incomplete, named", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.targetCounts.logs = 9000;
  const asked: string[][] = [];
  const result = await runMigration(
    io,
    new FakeEngine(),
    options(dir, {
      verify: (indices) => {
        asked.push(indices);
        return Promise.resolve([{ index: "logs", details: "checksums: 1 different" }]);
      },
    }),
  );
  assertEquals(asked, [["logs"]]);
  assertEquals(result.status, "incomplete");
  assertStringIncludes(result.failure!.message, "logs: verify: checksums: 1 different");
});

Deno.test("runMigration: an engine that cannot continue rolls back what the run created when its copy fails", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.targetCounts.logs = 4000;
  const engine = new FakeEngine({ copied: 4000 });
  engine.resumable = false;
  const result = await runMigration(io, engine, options(dir));
  assertEquals(io.rolledBack, 1);
  assertEquals(result.status, "incomplete");
  assertStringIncludes(result.failure!.message, "logs: 4000 of 9000 documents on the target");
  assertStringIncludes(result.failure!.message, "what this run created was rolled back");
  assertStringIncludes(result.failure!.hint!, "--keep-on-failure");

  const kept = new FakeIO(plan());
  kept.targetCounts.logs = 4000;
  await runMigration(kept, engine, options(await Deno.makeTempDir(), { keepOnFailure: true }));
  assertEquals(kept.rolledBack, 0, "--keep-on-failure keeps them");
});

Deno.test("runMigration: when the rollback after a failed copy fails too, the copy's failure stays first and the rest is named with its command", async () => {
  const dir = await Deno.makeTempDir();
  // The target that failed the copy also cuts the rollback's DELETE.
  const io = new (class extends FakeIO {
    override rollback(): Promise<never> {
      this.rolledBack++;
      return Promise.reject(
        new FetchMigrationError("unreachable", "the connection to target:9200 closed (DELETE)"),
      );
    }
  })(plan());
  const engine = new (class extends FakeEngine {
    override copy(): Promise<CopyOutcome> {
      return Promise.reject(
        new FetchMigrationError("refused", "Data Prepper exited (code 3) before the copy was done"),
      );
    }
  })();
  engine.resumable = false;
  const error = await assertRejects(() => runMigration(io, engine, options(dir)));
  assert(error instanceof FetchMigrationError);
  assertEquals(io.rolledBack, 1);
  assertEquals(error.errorKind, "refused");
  assert(error.message.startsWith("Data Prepper exited (code 3) before the copy was done"));
  assertStringIncludes(
    error.message,
    "the rollback of what this run created stopped part way, what it did not delete is still " +
      "on the target: the connection to target:9200 closed (DELETE)",
  );
  assertStringIncludes(
    error.hint!,
    `undo the rest with \`fetch-migration rollback --journal ${dir}/run.json --target ` +
      "http://target:9200`, then the same command starts the copy over",
  );
});

const PART_2_OF_3 = { index: 2, count: 3 };

Deno.test("runMigration --part: an index another part created first, as this part would have, is no error and not this part's", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan((p) => {
    p.indices.create = ["logs", "orders"];
    p.creations.push({
      kind: "index",
      name: "orders",
      body: { settings: {}, mappings: {}, aliases: {} },
    });
  }));
  io.taken = ["orders"];
  // Read after the refusal: orders is there, identical and being filled by the other parts.
  io.later = plan((p) => {
    p.indices.create = ["logs"];
    p.indices.partially_filled = [{ name: "orders", source_documents: 50, target_documents: 20 }];
  });
  const events: string[] = [];
  const result = await runMigration(
    io,
    new FakeEngine(),
    options(dir, { part: PART_2_OF_3 }),
    (event) => event.type === "note" && events.push(event.message),
  );
  assertEquals(result.status, "completed");
  assertEquals(io.created.map(({ name }) => name), ["logs"], "only what this part created");
  assertEquals(io.found, ["orders"]);
  assertEquals(io.plansRead, 2, "the plan is read again to judge what exists");
  assert(
    events.some((message) => message.includes("found orders already created by another part")),
  );
  assertEquals(io.keptOnFailure, true, "a part keeps what it created: others may be filling it");
});

Deno.test("runMigration --part: an index that exists with another definition stops the part, without a rollback", async () => {
  const dir = await Deno.makeTempDir();
  const io = new FakeIO(plan());
  io.taken = ["logs"];
  io.later = plan((p) => {
    p.indices.create = [];
    p.creations = [];
    p.indices.conflicting = [{
      name: "logs",
      differences: [{ path: "mappings.properties.a.type", source: "long", target: "keyword" }],
    }];
  });
  const error = await assertRejects(() =>
    runMigration(io, new FakeEngine(), options(dir, { part: PART_2_OF_3 }))
  );
  assertStringIncludes(
    error.message,
    "mappings.properties.a.type: long on the source, keyword on the target",
  );
  assertEquals(io.rolledBack, 0);
  assertEquals(await journalStatus(dir), "failed");
});

Deno.test("runMigration --part: partially filled indices are filled, and the part succeeds on its share, not on whole-index counts", async () => {
  const dir = await Deno.makeTempDir();
  const partial = plan((p) => {
    p.indices.create = [];
    p.creations = [];
    p.indices.partially_filled = [{ name: "logs", source_documents: 9000, target_documents: 6056 }];
  });
  const io = new FakeIO(partial);
  // The other parts are not done: the whole index is short, and that is no failure of this part.
  io.targetCounts.logs = 6056;
  const engine = new FakeEngine({ copied: 3000, expected: 3000, slicesDone: 4, slicesTotal: 4 });
  const result = await runMigration(
    io,
    engine,
    options(dir, {
      part: PART_2_OF_3,
      origin: { origin: "p.yaml" },
    }),
  );
  assertEquals(result.status, "completed");
  assertEquals(result.indices, ["logs"]);
  assertEquals(result.counts, [], "whole-index counts are not compared by one part");
  assertEquals(result.part, PART_2_OF_3);
  assertEquals(
    result.summary,
    "part 2 of 3 done: 3,000 documents of its share copied (4 slices of 1 index); when every " +
      "part is done: fetch-migration verify --checksums --pipeline p.yaml",
  );
  assertEquals(await journalStatus(dir), "completed");
  const journal = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
  assertEquals(journal.part, "2/3");

  // Without the origin, the endpoints as flags and the globs of the run.
  const other = await runMigration(
    new FakeIO(partial),
    new FakeEngine(),
    options(await Deno.makeTempDir(), {
      part: PART_2_OF_3,
      plan: { ...DEFAULT_PLAN_OPTIONS, include: ["lo*"] },
    }),
  );
  assertStringIncludes(
    other.summary!,
    "fetch-migration verify --checksums --source http://source:9200 --target " +
      "http://target:9200 --include 'lo*'",
  );
});

Deno.test("runMigration --part: dead letters or slices not done leave the part incomplete", async () => {
  const io = new FakeIO(plan());
  const dead = await runMigration(
    io,
    new FakeEngine({
      deadLettered: 3,
      deadLetterFile: "/x.ndjson",
      deadLetterReasons: { "400 mapper_parsing_exception": 3 },
    }),
    options(await Deno.makeTempDir(), { part: PART_2_OF_3 }),
  );
  assertEquals(dead.status, "incomplete");
  assertStringIncludes(dead.failure!.message, "3 documents refused by the target");
  assertEquals(dead.summary, undefined);
  const short = await runMigration(
    new FakeIO(plan()),
    new FakeEngine({ slicesDone: 3, slicesTotal: 4 }),
    options(await Deno.makeTempDir(), { part: PART_2_OF_3 }),
  );
  assertEquals(short.status, "incomplete");
  assertStringIncludes(short.failure!.message, "1 of 4 slices of part 2 of 3 not done");
});

Deno.test("runMigration --part: refuses --verify, an engine that cannot continue, and another part's journal", async () => {
  const dir = await Deno.makeTempDir();
  const verify = await assertRejects(() =>
    runMigration(
      new FakeIO(plan()),
      new FakeEngine(),
      options(dir, { part: PART_2_OF_3, verify: () => Promise.resolve([]) }),
    )
  );
  assert(verify instanceof BadInputError);
  assertStringIncludes(verify.message, "--verify compares whole indices");
  const engine = new FakeEngine();
  engine.resumable = false;
  const oneShot = await assertRejects(() =>
    runMigration(new FakeIO(plan()), engine, options(dir, { part: PART_2_OF_3 }))
  );
  assert(oneShot instanceof BadInputError);
  await assertRejects(() => Deno.stat(`${dir}/run.json`), /No such file/);

  // Part 1's copy stopped; part 2 pointed at its journal is refused.
  const io = new FakeIO(plan());
  await runMigration(
    io,
    new FakeEngine({ interrupted: true }),
    options(dir, { part: { index: 1, count: 3 } }),
  );
  const foreign = await assertRejects(() =>
    runMigration(io, new FakeEngine(), options(dir, { part: PART_2_OF_3 }))
  );
  assert(foreign instanceof BadInputError);
  assertStringIncludes(foreign.message, "copies part 1 of 3, not part 2 of 3");
  const whole = await assertRejects(() => runMigration(io, new FakeEngine(), options(dir)));
  assertStringIncludes(whole.message, "copies part 1 of 3, not the whole selection");
});

Deno.test("runMigration --part: each part's journal is derived from the part, in the state directory", async () => {
  const state = await Deno.makeTempDir();
  const before = Deno.env.get("XDG_STATE_HOME");
  Deno.env.set("XDG_STATE_HOME", state);
  try {
    const paths = [];
    for (const index of [1, 2]) {
      const io = new FakeIO(plan());
      const result = await runMigration(
        io,
        new FakeEngine(),
        options(state, { journalPath: undefined, part: { index, count: 2 } }),
      );
      paths.push(result.journalPath);
    }
    assert(paths[0].startsWith(`${state}/fetch-migration/run-`), paths[0]);
    assert(paths[0].endsWith("-part-1-of-2.json"), paths[0]);
    assert(paths[1].endsWith("-part-2-of-2.json"), paths[1]);
  } finally {
    if (before === undefined) Deno.env.delete("XDG_STATE_HOME");
    else Deno.env.set("XDG_STATE_HOME", before);
  }
});
