/** The human report's sections and the JSON report's shape. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { buildPlan, DEFAULT_PLAN_OPTIONS } from "../../src/metadata/plan.ts";
import {
  formatPlanText,
  groupedTransformations,
  planToJson,
  withoutCredentials,
} from "../../src/metadata/report.ts";
import { ES6, es6Index, ES7, es7Index, OS2, os2Index, snapshot } from "./metadata_fixtures.ts";

function plan() {
  return buildPlan(
    snapshot("http://es7:9200", ES7, [
      es7Index("create", { documents: 7 }),
      es7Index("empty", { documents: 4 }),
      es7Index("same"),
      es7Index("conflict"),
      es7Index("red", { health: "red" }),
      es7Index(".kibana_1"),
      es7Index("tmp"),
    ], [{ name: "web", kind: "legacy", body: { index_patterns: ["web-*"], order: 0 } }]),
    snapshot("http://os2:9200", OS2, [
      os2Index("empty"),
      os2Index("same", { documents: 10 }),
      os2Index("conflict", { mappings: { properties: { at: { type: "long" } } } }),
    ]),
    { ...DEFAULT_PLAN_OPTIONS, exclude: ["tmp"] },
  );
}

Deno.test("formatPlanText: the original tool's groups (metadata --report), in its order, with differences", () => {
  const text = formatPlanText(plan(), { originalGroups: true });
  const titles = [
    "Identical indices in the target cluster (no changes will be made):\n  same",
    "Identical empty indices in the target cluster (data will be migrated):\n  empty",
    "Indices present in both clusters with conflicting settings/mappings (data will not be migrated):\n  conflict\n",
    "Indices to be created in the target cluster (data will be migrated):\n  create",
  ];
  let last = -1;
  for (const title of titles) {
    const at = text.indexOf(title);
    assert(at > last, `missing or out of order: ${title}\n${text}`);
    last = at;
  }
  assertStringIncludes(text, "    - mappings.properties.at.type: date ≠ long");
  assertStringIncludes(text, "    - mappings.properties.message: ");
  assertStringIncludes(text, "≠ (absent)");
  assert(text.trimEnd().endsWith("Total number of documents to be moved: 11"));
});

Deno.test("formatPlanText by default: what needs a decision is listed with its documents; what needs none is counted, with the flag that lists it", () => {
  const text = formatPlanText(plan());
  assertStringIncludes(
    text,
    "Indices to be created in the target cluster (data will be migrated):\n  create: 7 documents",
  );
  assertStringIncludes(
    text,
    "1 index identical in the target cluster, left as they are (-v lists them)",
  );
  assertStringIncludes(text, "1 index excluded by the selection (-v lists them)");
  assert(!text.includes("\n  same\n"), text);
  assertStringIncludes(
    text,
    "Indices: 1 to create, 1 identical and empty, 1 identical, 1 conflicting",
  );
  assert(!text.includes(" 0 "), `no zero count: ${text}`);
});

Deno.test("groupedTransformations: one line per rule and detail, naming the first subjects and the count", () => {
  const lines = groupedTransformations(
    ["a", "b", "c", "d", "e"].map((subject) => ({
      subject,
      subjectKind: "index" as const,
      rule: "remove-mapping-type",
      detail: "mapping type [_doc] removed",
    })),
  );
  assertEquals(lines, [
    "mapping type [_doc] removed [remove-mapping-type]: index a, b, c and 2 more (5)",
  ]);
});

Deno.test("formatPlanText with all: skipped indices, templates and transformations; empty sections say (none)", () => {
  const text = formatPlanText(plan(), { all: true });
  assertStringIncludes(
    text,
    "Indices skipped as unhealthy (data will not be migrated):\n  red: red: some primary shards",
  );
  assertStringIncludes(
    text,
    "Indices that cannot be migrated as they are (data will not be migrated):\n  (none)",
  );
  assertStringIncludes(
    text,
    "Indices excluded by the selection (and 1 system index, not listed):\n  tmp",
  );
  assertStringIncludes(text, "Legacy templates to be created in the target cluster:\n  web");
  assertStringIncludes(text, "Component templates to be created in the target cluster:\n  (none)");
  assertStringIncludes(
    text,
    "index create: setting index.routing.allocation.include._tier_preference removed " +
      "(data tiers are Elasticsearch-only) [remove-unknown-settings]",
  );
});

Deno.test("formatPlanText: an ES 6 plan names the mapping type removal with its rule", () => {
  const text = formatPlanText(
    buildPlan(
      snapshot("http://es6:9200", ES6, [es6Index("typed", { type: "tweet" })]),
      snapshot("http://os2:9200", OS2),
    ),
    { originalGroups: true },
  );
  assertStringIncludes(
    text,
    "index typed: mapping type [tweet] removed; mappings are typeless [remove-mapping-type]",
  );
  assertStringIncludes(
    text,
    "Identical indices in the target cluster (no changes will be made):\n  (none)",
  );
});

Deno.test("planToJson: the documented shape, without creations or credentials", () => {
  const source = plan();
  source.source.url = "https://admin:secret@es7:9200";
  const json = planToJson(source, { detail: true });
  assertEquals(Object.keys(json).sort(), [
    "data_streams",
    "definitions",
    "documents",
    "indices",
    "ingest_pipelines",
    "inventory",
    "left_out",
    "source",
    "target",
    "template_selection",
    "templates",
    "transformations",
  ]);
  assertEquals(json.source, {
    url: "https://es7:9200",
    distribution: "elasticsearch",
    version: "7.10.2",
  });
  assertEquals(Object.keys(json.indices).sort(), [
    "conflicting",
    "counts",
    "create",
    "excluded",
    "identical",
    "identical_empty",
    "partially_filled",
    "unhealthy",
    "unsupported",
  ]);
  assertEquals(Object.keys(json.templates), ["component", "index", "legacy"]);
  assertEquals(json.documents, { total: 11, per_index: { create: 7, empty: 4 } });
  const conflicting = json.indices.conflicting as Array<{ name: string }>;
  assertEquals(conflicting[0].name, "conflict");
  const roundTrip = JSON.parse(JSON.stringify(json));
  assertEquals(roundTrip.indices.conflicting[0].differences[0].path, "mappings.properties.at.type");
  assert(!JSON.stringify(json).includes("secret"));
});

Deno.test("withoutCredentials keeps everything but the user info", () => {
  assertEquals(withoutCredentials("http://u:p@host:9200"), "http://host:9200");
  assertEquals(withoutCredentials("https://host/base/"), "https://host/base/");
  assertEquals(withoutCredentials("http://host:9200"), "http://host:9200");
});

Deno.test("planToJson: every key is snake_case, the transformations' too", () => {
  const json = planToJson(buildPlan(
    snapshot("http://es6:9200", ES6, [es6Index("typed", { type: "tweet" })]),
    snapshot("http://os2:9200", OS2),
  ));
  assertEquals(json.transformations[0], {
    subject: "typed",
    subject_kind: "index",
    rule: "remove-mapping-type",
    detail: "mapping type [tweet] removed; mappings are typeless",
  });
  const camel: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        if (/[A-Z]/.test(key)) camel.push(`${path}.${key}`);
        // per_index is keyed by index names, not by field names.
        if (key !== "per_index") walk(inner, `${path}.${key}`);
      }
    }
  };
  walk(json, "plan");
  assertEquals(camel, []);
});

Deno.test("formatPlanText by default: a summary of counts, then only the sections with entries", () => {
  const text = formatPlanText(plan());
  assertStringIncludes(text, "Indices: ");
  assertStringIncludes(text, "Documents to move: ");
  assert(!text.includes("(none)"), text);
  const original = formatPlanText(plan(), { originalGroups: true });
  // The original tool's four groups stay for scripts that parse metadata --report.
  for (
    const title of [
      "Identical indices in the target cluster (no changes will be made):",
      "Identical empty indices in the target cluster (data will be migrated):",
      "Indices present in both clusters with conflicting settings/mappings (data will not be migrated):",
      "Indices to be created in the target cluster (data will be migrated):",
    ]
  ) assertStringIncludes(original, title);
});

Deno.test("planToJson compact: what needs no decision is counted, not listed; left-out templates by reason", () => {
  const compact = planToJson(plan());
  assertEquals(compact.indices.counts, {
    create: 1,
    identical_empty: 1,
    identical: 1,
    partially_filled: 0,
    conflicting: 1,
    excluded: 2,
    unhealthy: 1,
    unsupported: 0,
  });
  assertEquals(compact.indices.identical, undefined);
  assertEquals(compact.indices.excluded, undefined);
  assertEquals(compact.indices.create, ["create"]);
  // Without --include every template can match: it migrates, and its decision is listed.
  assertEquals(compact.template_selection.decisions.map(({ name }) => name), ["web"]);
  assertEquals(compact.template_selection.left_out_by_reason, {});
  assertEquals(compact.definitions, undefined);
  const detail = planToJson(plan(), { detail: true });
  assertEquals(detail.indices.excluded, [".kibana_1", "tmp"]);
  assertEquals(
    detail.definitions?.map(({ kind, name }) => `${kind} ${name}`),
    ["legacy web", "index create"],
  );
  // Narrowed to one index, the template is left out: counted by reason, listed in detail.
  const narrowed = buildPlan(
    snapshot("http://es7:9200", ES7, [es7Index("create")], [
      { name: "web", kind: "legacy", body: { index_patterns: ["web-*"], order: 0 } },
    ]),
    snapshot("http://os2:9200", OS2, []),
    { ...DEFAULT_PLAN_OPTIONS, include: ["create"] },
  );
  assertEquals(planToJson(narrowed).template_selection, {
    mode: "matching",
    decisions: [],
    left_out_by_reason: { "not for the selected indices": 1 },
  });
  assertEquals(
    planToJson(narrowed, { detail: true }).template_selection.decisions.map(({ name }) => name),
    ["web"],
  );
});
