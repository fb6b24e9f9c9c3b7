/**
 * Every index and data stream of the source in exactly one place of the plan: the inventory's
 * sums are the source's counts, data streams are named (never silently hidden), users' hidden
 * indices are left out by default with the flag that takes them.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import {
  buildPlan,
  DEFAULT_PLAN_OPTIONS,
  migratingDataStreams,
  migratingIndices,
} from "../../src/metadata/plan.ts";
import { unmigratableIndices } from "../../src/migrate/checks.ts";
import type {
  ClusterSnapshot,
  DataStreamMetadata,
  IndexMetadata,
  PlanOptions,
  TemplateMetadata,
} from "../../src/metadata/types.ts";
import { es7Index, OS2, os2Index, OS3, snapshot } from "./metadata_fixtures.ts";

const HIDDEN = { settings: { "index.hidden": "true", "index.number_of_shards": "1" } };

const STREAM: DataStreamMetadata = {
  name: "metrics-app",
  timestampField: "@timestamp",
  indices: [".ds-metrics-app-000001", ".ds-metrics-app-000002"],
  template: "metrics",
};

const STREAM_TEMPLATE: TemplateMetadata = {
  name: "metrics",
  kind: "index",
  body: { index_patterns: ["metrics-*"], data_stream: {}, priority: 100 },
};

function source() {
  return snapshot(
    "http://source:9200",
    OS2,
    [
      os2Index("logs-plain", { documents: 5 }),
      os2Index("archive", { state: "close", health: undefined }),
      os2Index("audit-hidden", { ...HIDDEN, documents: 2 }),
      os2Index(".kibana_1", { documents: 1 }),
      os2Index(".ds-metrics-app-000001", { ...HIDDEN, documents: 3 }),
      os2Index(".ds-metrics-app-000002", { ...HIDDEN, documents: 4 }),
      os2Index("other", { documents: 1 }),
    ],
    [STREAM_TEMPLATE],
    [STREAM],
  );
}

/** The target: empty, or holding what a test gives it. */
function target(
  indices: IndexMetadata[] = [],
  streams: DataStreamMetadata[] = [],
): ClusterSnapshot {
  return snapshot(
    "http://target:9200",
    OS3,
    indices,
    streams.length > 0 ? [STREAM_TEMPLATE] : [],
    streams,
  );
}

function plan(options: Partial<PlanOptions> = {}, onTarget = target()) {
  return buildPlan(source(), onTarget, { ...DEFAULT_PLAN_OPTIONS, ...options });
}

Deno.test("inventory: every index of the source counted once, the sums are the source's", () => {
  const { inventory } = plan({ exclude: ["other"] });
  assertEquals(inventory.indices, {
    source: 7,
    migrating: 1,
    identical: 0,
    not_migratable: 1,
    excluded: 1,
    system: 1,
    hidden: 1,
    backing: 2,
  });
  const { source, ...parts } = inventory.indices;
  assertEquals(Object.values(parts).reduce((sum, n) => sum + n, 0), source);
  assertEquals(inventory.data_streams, {
    source: 1,
    migrating: 1,
    identical: 0,
    not_migratable: 0,
    excluded: 0,
    system: 0,
  });
});

Deno.test("data streams: created after their template, before indices, filled generation by generation", () => {
  const result = plan();
  assertEquals(result.data_streams.create, [{
    name: "metrics-app",
    template: "metrics",
    timestamp_field: "@timestamp",
    backing_indices: [".ds-metrics-app-000001", ".ds-metrics-app-000002"],
    documents: 7,
  }]);
  assertEquals(
    result.creations.map(({ kind, name }) => `${kind} ${name}`),
    ["index-template metrics", "data-stream metrics-app", "index logs-plain", "index other"],
  );
  assertEquals(migratingIndices(result), ["logs-plain", "metrics-app", "other"]);
  assertEquals(migratingDataStreams(result), {
    "metrics-app": [".ds-metrics-app-000001", ".ds-metrics-app-000002"],
  });
  assertEquals(result.documents.per_index["metrics-app"], 7);
  // Backing indices are the stream's: in no index bucket.
  assertEquals(result.indices.excluded, [".kibana_1"]);
  assertEquals(unmigratableIndices(result).map(({ name }) => name), ["archive"]);
});

Deno.test("data streams: not migratable, with the reason, without their template or over a plain index", () => {
  const untemplated = plan({ templates: "none" });
  assertEquals(untemplated.data_streams.create, []);
  assertStringIncludes(untemplated.data_streams.unsupported[0].reason, "index template metrics");
  assertEquals(
    unmigratableIndices(untemplated).map(({ name }) => name),
    ["archive", "metrics-app"],
  );
  const taken = plan({}, target([os2Index("metrics-app", { documents: 0 })]));
  assertStringIncludes(taken.data_streams.unsupported[0].reason, "plain index of that name");
  assertEquals(taken.creations.some(({ kind }) => kind === "data-stream"), false);
});

Deno.test("data streams on the target already: empty is filled, fewer documents continued, as many left alone", () => {
  const withDocuments = (counts: number[]) =>
    plan(
      {},
      target(
        counts.map((documents, at) =>
          os2Index(`.ds-metrics-app-00000${at + 1}`, { ...HIDDEN, documents })
        ),
        [{ ...STREAM, indices: counts.map((_, at) => `.ds-metrics-app-00000${at + 1}`) }],
      ),
    ).data_streams;
  assertEquals(withDocuments([0]).identical_empty.map(({ name }) => name), ["metrics-app"]);
  assertEquals(withDocuments([3]).partially_filled.map((entry) => entry.target_documents), [3]);
  assertEquals(withDocuments([3, 4]).identical, ["metrics-app"]);
});

Deno.test("data streams: selected by their name or a backing index's, excluded otherwise", () => {
  assertEquals(plan({ include: ["metrics-*"] }).data_streams.create.length, 1);
  assertEquals(plan({ include: [".ds-metrics-app-000002"] }).data_streams.create.length, 1);
  const excluded = plan({ include: ["logs-*"] });
  assertEquals(excluded.data_streams.excluded, ["metrics-app"]);
  assertEquals(excluded.data_streams.create, []);
  // The stream's template follows it out of the selection.
  assertEquals(excluded.templates.index.create, []);
  assertEquals(excluded.inventory.data_streams.excluded, 1);
});

Deno.test("hidden user indices: left out and named with --include-hidden, which takes them", () => {
  const byDefault = plan();
  assertEquals(byDefault.left_out.map(({ name, flag }) => [name, flag]), [
    ["audit-hidden", "--include-hidden"],
  ]);
  assertEquals(byDefault.indices.create.includes("audit-hidden"), false);
  const taken = plan({ includeHidden: true });
  assertEquals(taken.left_out, []);
  assertEquals(taken.indices.create.includes("audit-hidden"), true);
  assertEquals(taken.inventory.indices.hidden, 0);
});

Deno.test("inventory: an Elasticsearch 7 source without data streams accounts for every index too", () => {
  const es7 = snapshot("http://es7:9200", { ...OS2, distribution: "elasticsearch" }, [
    es7Index("a", { documents: 1 }),
    es7Index(".security-7"),
  ]);
  const { inventory } = buildPlan(es7, snapshot("http://t:9200", OS3));
  assertEquals(inventory.indices.source, 2);
  assertEquals(inventory.indices.migrating + inventory.indices.system, 2);
  assertEquals(inventory.data_streams.source, 0);
});
