/**
 * Ingest pipelines in the plan: those the selection names (and those they call) migrate by
 * default, or all, or none; created before everything else; compared with the target's; not
 * migratable, named, when a processor is missing on the target.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { buildPlan, DEFAULT_PLAN_OPTIONS } from "../../src/metadata/plan.ts";
import { unmigratableIndices } from "../../src/migrate/checks.ts";
import type { ClusterSnapshot, PlanOptions } from "../../src/metadata/types.ts";
import { ES6, es6Index, OS3, snapshot } from "./metadata_fixtures.ts";

const TAG = { processors: [{ append: { field: "tags", value: ["copied"] } }] };
const STAMP = {
  processors: [{ set: { field: "final", value: true } }, { pipeline: { name: "shared" } }],
};
const SHARED = { processors: [{ lowercase: { field: "user.id", ignore_missing: true } }] };
const UNUSED = { processors: [{ set: { field: "x", value: 1 } }] };

function source(): ClusterSnapshot {
  const logs = es6Index("logs");
  return {
    ...snapshot("http://source:9200", ES6, [
      {
        ...logs,
        settings: {
          ...logs.settings,
          "index.default_pipeline": "tag",
          "index.final_pipeline": "stamp",
        },
      },
      es6Index("other"),
    ]),
    pipelines: { tag: TAG, stamp: STAMP, shared: SHARED, unused: UNUSED },
  };
}

function target(extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    ...snapshot("http://target:9200", OS3),
    processors: ["append", "lowercase", "pipeline", "set"],
    ...extra,
  };
}

function plan(options: Partial<PlanOptions> = {}, onTarget = target()) {
  return buildPlan(source(), onTarget, { ...DEFAULT_PLAN_OPTIONS, ...options });
}

Deno.test("pipelines: those the selected indices name, and those they call, created before the indices", () => {
  const result = plan();
  assertEquals(result.ingest_pipelines.create, ["shared", "stamp", "tag"]);
  assertEquals(result.ingest_pipelines.excluded, ["unused"]);
  assertEquals(
    result.creations.map(({ kind, name }) => `${kind} ${name}`),
    [
      "ingest-pipeline shared",
      "ingest-pipeline stamp",
      "ingest-pipeline tag",
      "index logs",
      "index other",
    ],
  );
  // Left out with its index: nothing names them.
  assertEquals(plan({ exclude: ["logs"] }).ingest_pipelines.create, []);
});

Deno.test("pipelines: --ingest-pipelines all takes every user pipeline, none none", () => {
  assertEquals(plan({ ingestPipelines: "all" }).ingest_pipelines.create, [
    "shared",
    "stamp",
    "tag",
    "unused",
  ]);
  const none = plan({ ingestPipelines: "none" }).ingest_pipelines;
  assertEquals(none.create, []);
  assertEquals(none.excluded.length, 4);
});

Deno.test("pipelines: identical left alone, another definition named with the path", () => {
  const result = plan({}, target({ pipelines: { tag: TAG, stamp: UNUSED } }));
  assertEquals(result.ingest_pipelines.identical, ["tag"]);
  assertEquals(result.ingest_pipelines.conflicting.map(({ name }) => name), ["stamp"]);
  assertMatch(result.ingest_pipelines.conflicting[0].differences[0].path, /^processors/);
  assertEquals(
    unmigratableIndices(result).map(({ name }) => name),
    ["ingest pipeline stamp"],
  );
});

Deno.test("pipelines: a processor the target lacks makes the pipeline not migratable, named", () => {
  const result = plan({}, target({ processors: ["pipeline", "set"] }));
  assertEquals(result.ingest_pipelines.create, ["stamp"]);
  const reasons = Object.fromEntries(
    result.ingest_pipelines.unsupported.map(({ name, reason }) => [name, reason]),
  );
  assertMatch(reasons.tag, /require-target-processors: processor append is not on the target/);
  assertMatch(reasons.shared, /processor lowercase/);
});
