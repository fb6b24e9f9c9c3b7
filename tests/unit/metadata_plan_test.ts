/** Canonical settings, diffs, selection and plan buckets on literal snapshots. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  canonicalSettings,
  dropInternalSettings,
  isSystemIndex,
} from "../../src/metadata/normalize.ts";
import { diffDefinitions } from "../../src/metadata/diff.ts";
import {
  buildPlan,
  DEFAULT_PLAN_OPTIONS,
  globToRegExp,
  isSelected,
} from "../../src/metadata/plan.ts";
import { formatPlanText, planToJson } from "../../src/metadata/report.ts";
import type { ClusterSnapshot, IndexMetadata } from "../../src/metadata/types.ts";
import { exactIndexRegex, withIncludedIndices } from "../../src/config/pipeline-output.ts";

Deno.test("equal settings written differently are identical; internal settings never compare", () => {
  const nested = canonicalSettings({
    index: { number_of_shards: 1, analysis: { filter: { f: { stopwords: ["a", "b"] } } } },
  });
  const flat = canonicalSettings({
    "index.number_of_shards": "1",
    "index.analysis.filter.f.stopwords": ["a", "b"],
  });
  assertEquals(nested, flat);
  const a = dropInternalSettings(
    canonicalSettings({ index: { number_of_shards: "1", uuid: "A", creation_date: "1" } }),
  );
  const b = dropInternalSettings(
    canonicalSettings({ index: { number_of_shards: "1", uuid: "B", version: { created: "9" } } }),
  );
  assertEquals(a, b);
  assertEquals(
    diffDefinitions({ settings: a, mappings: {}, aliases: {} }, {
      settings: b,
      mappings: {},
      aliases: {},
    }),
    [],
  );
});

Deno.test("replicas, refresh interval and the target's replication type are not differences", () => {
  const source = {
    settings: { "index.number_of_replicas": "1", "index.refresh_interval": "1s" },
    mappings: {},
    aliases: {},
  };
  const target = {
    settings: {
      "index.number_of_replicas": "0",
      "index.refresh_interval": "-1",
      "index.replication.type": "DOCUMENT",
    },
    mappings: {},
    aliases: {},
  };
  assertEquals(diffDefinitions(source, target), []);
});

Deno.test("differences are named by path with both values", () => {
  const differences = diffDefinitions(
    {
      settings: { "index.number_of_shards": "1" },
      mappings: {
        properties: { msg: { type: "text" }, o: { properties: { x: { type: "long" } } } },
      },
      aliases: { a: {} },
    },
    {
      settings: { "index.number_of_shards": "3" },
      mappings: {
        properties: {
          msg: { type: "keyword" },
          o: { type: "object", properties: { x: { type: "long" } } },
        },
      },
      aliases: {},
    },
  );
  assertEquals(differences, [
    { path: "settings.index.number_of_shards", source: "1", target: "3" },
    { path: "mappings.properties.msg.type", source: "text", target: "keyword" },
    { path: "aliases.a", source: "{}", target: undefined },
  ]);
});

Deno.test("globs and Data Prepper regexes select whole names", () => {
  assert(globToRegExp("logs-*").test("logs-2024"));
  assert(!globToRegExp("logs-*").test("old-logs-2024"));
  assert(globToRegExp("a?c").test("abc"));
  assert(globToRegExp("a.c").test("a.c") && !globToRegExp("a.c").test("abc"));
  const options = {
    ...DEFAULT_PLAN_OPTIONS,
    include: ["logs-*"],
    exclude: ["logs-tmp*"],
    excludeRegex: ["logs-2\\d+"],
  };
  assert(isSelected("logs-a", options));
  assert(!isSelected("logs-tmp1", options));
  assert(!isSelected("logs-2024", options));
  assert(!isSelected("metrics", options));
  assert(isSelected("metrics", { ...DEFAULT_PLAN_OPTIONS, includeRegex: ["metrics|logs-.*"] }));
  assert(!isSelected("xmetrics", { ...DEFAULT_PLAN_OPTIONS, includeRegex: ["metrics"] }));
});

Deno.test("system and hidden indices are recognised", () => {
  assert(isSystemIndex(".kibana_1", {}));
  assert(isSystemIndex("ilm-history", { "index.hidden": "true" }));
  assert(!isSystemIndex("logs", {}));
});

function index(name: string, extra: Partial<IndexMetadata> = {}): IndexMetadata {
  return {
    name,
    settings: { "index.number_of_shards": "1", "index.uuid": name },
    mappings: { properties: { a: { type: "keyword" } } },
    aliases: {},
    health: "green",
    state: "open",
    documents: 10,
    ...extra,
  };
}

const ES7 = { distribution: "elasticsearch" as const, version: "7.10.2", major: 7, minor: 10 };
const OS2 = { distribution: "opensearch" as const, version: "2.19.6", major: 2, minor: 19 };

Deno.test("buildPlan fills every bucket and counts only the documents that will move", () => {
  const source: ClusterSnapshot = {
    url: "http://src",
    version: ES7,
    indices: [
      index("create"),
      index("empty", { documents: 4 }),
      index("same"),
      index("conflict"),
      index(".system"),
      index("red", { health: "red" }),
      index("closed", { state: "close", health: undefined }),
    ],
    templates: [
      {
        name: "lt",
        kind: "legacy",
        body: { index_patterns: ["x-*"], order: 0, settings: {}, mappings: {}, aliases: {} },
      },
      {
        name: "managed",
        kind: "index",
        body: { index_patterns: ["m-*"], _meta: { managed: true } },
      },
    ],
  };
  const target: ClusterSnapshot = {
    url: "http://dst",
    version: OS2,
    indices: [
      index("empty", { documents: 0 }),
      index("same", { documents: 10 }),
      index("conflict", { mappings: { properties: { a: { type: "text" } } } }),
    ],
    templates: [],
  };
  const plan = buildPlan(source, target);
  assertEquals(plan.indices.create, ["create"]);
  assertEquals(plan.indices.identical_empty, ["empty"]);
  assertEquals(plan.indices.identical, ["same"]);
  assertEquals(plan.indices.conflicting.map((c) => c.name), ["conflict"]);
  assertEquals(plan.indices.excluded, [".system"]);
  assertEquals(plan.indices.unhealthy.map((u) => u.name), ["red", "closed"]);
  assertEquals(plan.templates.legacy.create, ["lt"]);
  assertEquals(plan.templates.index.excluded, ["managed"]);
  assertEquals(plan.documents, { total: 14, per_index: { create: 10, empty: 4 } });
  assertEquals(plan.creations.map((c) => `${c.kind}:${c.name}`), ["legacy:lt", "index:create"]);
  const withRed = buildPlan(source, target, { ...DEFAULT_PLAN_OPTIONS, allowRed: true });
  assert(withRed.indices.create.includes("red"));
  const json = planToJson(plan);
  assertEquals("creations" in json, false);
  const text = formatPlanText(plan);
  assertStringIncludes(
    text,
    "Identical empty indices in the target cluster (data will be migrated):\n  empty",
  );
  assertStringIncludes(text, "conflict\n    - mappings.properties.a.type: keyword ≠ text");
  assertStringIncludes(text, "Total number of documents to be moved: 14");
});

Deno.test("the output pipeline keeps comments and other keys and escapes index names", () => {
  const input = `# top comment
p:
  source:
    opensearch:
      hosts: ["http://a:9200"] # inline comment
      indices:
        include:
          - index_name_regex: "old-.*"
        exclude:
          - index_name_regex: "tmp"
  sink:
    - opensearch: {hosts: ["http://b:9200"]}
`;
  const output = withIncludedIndices(input, ["p", "source", "opensearch"], ["a.b", "c+d"]);
  assertStringIncludes(output, "# top comment");
  assertStringIncludes(output, "# inline comment");
  assertStringIncludes(output, "- index_name_regex: a\\.b");
  assertStringIncludes(output, "- index_name_regex: c\\+d");
  assertStringIncludes(output, 'index_name_regex: "tmp"');
  assert(!output.includes("old-.*"), "the old include list is replaced");
  assertEquals(exactIndexRegex("a(1)[x]*"), "a\\(1\\)\\[x\\]\\*");
});
