/**
 * Every index and data stream of the source in exactly one place of the plan: the inventory's
 * sums are the source's counts, data streams are named (never silently hidden), users' hidden
 * indices are left out by default with the flag that takes them.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { buildPlan, DEFAULT_PLAN_OPTIONS } from "../../src/metadata/plan.ts";
import { unmigratableIndices } from "../../src/migrate/checks.ts";
import type { PlanOptions } from "../../src/metadata/types.ts";
import { es7Index, OS2, os2Index, OS3, snapshot } from "./metadata_fixtures.ts";

const HIDDEN = { settings: { "index.hidden": "true", "index.number_of_shards": "1" } };

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
    [],
    [{
      name: "metrics-app",
      timestampField: "@timestamp",
      indices: [".ds-metrics-app-000001", ".ds-metrics-app-000002"],
      template: "metrics",
    }],
  );
}

function plan(options: Partial<PlanOptions> = {}) {
  return buildPlan(source(), snapshot("http://target:9200", OS3), {
    ...DEFAULT_PLAN_OPTIONS,
    ...options,
  });
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
  assertEquals(inventory.data_streams, { source: 1, not_migratable: 1, excluded: 0, system: 0 });
});

Deno.test("data streams: named with backing indices, documents and why; a run counts them as unmigratable", () => {
  const result = plan();
  assertEquals(result.data_streams.unsupported.map(({ reason: _, ...entry }) => entry), [{
    name: "metrics-app",
    template: "metrics",
    timestamp_field: "@timestamp",
    backing_indices: [".ds-metrics-app-000001", ".ds-metrics-app-000002"],
    documents: 7,
  }]);
  // Backing indices are the stream's: in no index bucket.
  assertEquals(result.indices.excluded, [".kibana_1"]);
  const unmigratable = unmigratableIndices(result).map(({ name }) => name);
  assertEquals(unmigratable, ["archive", "metrics-app"]);
  assertStringIncludes(result.data_streams.unsupported[0].reason, "--skip-unmigratable");
});

Deno.test("data streams: selected by their name or a backing index's, excluded otherwise", () => {
  assertEquals(plan({ include: ["metrics-*"] }).data_streams.unsupported.length, 1);
  assertEquals(plan({ include: [".ds-metrics-app-000002"] }).data_streams.unsupported.length, 1);
  const excluded = plan({ include: ["logs-*"] });
  assertEquals(excluded.data_streams, { unsupported: [], excluded: ["metrics-app"] });
  assertEquals(excluded.inventory.data_streams, {
    source: 1,
    not_migratable: 0,
    excluded: 1,
    system: 0,
  });
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
