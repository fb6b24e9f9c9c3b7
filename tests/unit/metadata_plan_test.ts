/** Plan buckets on realistic snapshots (ES 6.8, ES 7.10 → OpenSearch 2.19), and the pipeline output. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { buildPlan, DEFAULT_PLAN_OPTIONS, isSystemTemplate } from "../../src/metadata/plan.ts";
import type { ClusterSnapshot, TemplateMetadata } from "../../src/metadata/types.ts";
import { exactIndexRegex, withIncludedIndices } from "../../src/config/pipeline-output.ts";
import {
  ES6,
  es6Index,
  es6LegacyTemplate,
  ES7,
  es7Index,
  ES8,
  OS2,
  os2Index,
  os2LegacyTemplate,
  snapshot,
} from "./metadata_fixtures.ts";

/** ES 7.10 source with one index for every bucket, plus system and hidden ones. */
function es7Source(): ClusterSnapshot {
  return snapshot("http://es7:9200", ES7, [
    es7Index("logs-create", { documents: 12 }),
    es7Index("logs-empty", { documents: 3 }),
    es7Index("logs-same"),
    es7Index("logs-conflict"),
    es7Index("tmp-1"),
    es7Index(".kibana_1"),
    es7Index("ilm-history-2-000001", {
      settings: { "index.hidden": "true", "index.number_of_shards": "1" },
    }),
    es7Index("logs-red", { health: "red" }),
    es7Index("logs-closed", { state: "close", health: undefined }),
  ]);
}

function os2Target(): ClusterSnapshot {
  return snapshot("http://os2:9200", OS2, [
    os2Index("logs-empty", { documents: 0 }),
    os2Index("logs-same", { documents: 10 }),
    os2Index("logs-conflict", {
      mappings: { properties: { message: { type: "keyword" } } },
      documents: 1,
    }),
    os2Index(".opendistro-job-scheduler-lock"),
  ]);
}

Deno.test("buildPlan: every index bucket, and only documents that will move are counted", () => {
  const plan = buildPlan(es7Source(), os2Target(), { ...DEFAULT_PLAN_OPTIONS, exclude: ["tmp-*"] });
  assertEquals(plan.indices.create, ["logs-create"]);
  assertEquals(plan.indices.identical_empty, ["logs-empty"]);
  assertEquals(plan.indices.identical, ["logs-same"]);
  assertEquals(plan.indices.conflicting.map((c) => c.name), ["logs-conflict"]);
  const differences = plan.indices.conflicting[0].differences;
  assert(
    differences.some((d) =>
      d.path === "mappings.properties.message.type" && d.source === "text" && d.target === "keyword"
    ),
    JSON.stringify(differences),
  );
  assertEquals(plan.indices.excluded, [".kibana_1", "ilm-history-2-000001", "tmp-1"]);
  assertEquals(plan.indices.unhealthy.map((u) => u.name), ["logs-closed", "logs-red"]);
  assertMatch(plan.indices.unhealthy[0].reason, /^closed/);
  assertMatch(plan.indices.unhealthy[1].reason, /^red.*--allow-red/);
  assertEquals(plan.indices.unsupported, []);
  assertEquals(plan.documents, { total: 15, per_index: { "logs-create": 12, "logs-empty": 3 } });
  assertEquals(plan.source, {
    url: "http://es7:9200",
    distribution: "elasticsearch",
    version: "7.10.2",
  });
  assertEquals(plan.target.version, "2.19.1");
});

Deno.test("buildPlan: --allow-red takes red indices; closed ones never", () => {
  const plan = buildPlan(es7Source(), os2Target(), { ...DEFAULT_PLAN_OPTIONS, allowRed: true });
  assert(plan.indices.create.includes("logs-red"));
  assertEquals(plan.indices.unhealthy.map((u) => u.name), ["logs-closed"]);
});

Deno.test("buildPlan: include globs and Data Prepper regexes select; excludes win", () => {
  const plan = buildPlan(es7Source(), os2Target(), {
    ...DEFAULT_PLAN_OPTIONS,
    include: ["logs-c*", "logs-same", "logs-empty"],
    includeRegex: ["logs-.*"],
    excludeRegex: ["logs-clo.*"],
  });
  assertEquals(plan.indices.create, ["logs-create"]);
  assertEquals(plan.indices.identical_empty, ["logs-empty"]);
  assertEquals(plan.indices.identical, ["logs-same"]);
  assertEquals(plan.indices.conflicting.map((c) => c.name), ["logs-conflict"]);
  assertEquals(plan.indices.unhealthy, []);
  assertEquals(plan.indices.excluded, [
    ".kibana_1",
    "ilm-history-2-000001",
    "logs-closed",
    "logs-red",
    "tmp-1",
  ]);
});

Deno.test("buildPlan: creations in apply order, transformed, with the transformations listed", () => {
  const plan = buildPlan(es7Source(), os2Target(), {
    ...DEFAULT_PLAN_OPTIONS,
    include: ["logs-*"],
  });
  assertEquals(plan.creations.map((c) => `${c.kind}:${c.name}`), ["index:logs-create"]);
  const [creation] = plan.creations;
  assert(creation.kind === "index");
  assertEquals(creation.body.settings, {
    index: { number_of_replicas: "1", number_of_shards: "1" },
  });
  assertEquals(plan.transformations.map((t) => `${t.subject}:${t.rule}`), [
    "logs-create:remove-unknown-settings",
    "logs-empty:remove-unknown-settings",
  ]);
});

Deno.test("buildPlan: an ES 6.8 source — typed index created typeless, multi-type unsupported", () => {
  const source = snapshot("http://es6:9200", ES6, [
    es6Index("tweets", { type: "tweet" }),
    es6Index("defaulted", { mappings: { _default_: {}, doc: {} } }),
    es6Index("twice", {
      type: "doc",
      settings: { "index.number_of_shards": "5", "index.number_of_replicas": "0" },
    }),
  ], [es6LegacyTemplate("web"), es6LegacyTemplate("api")]);
  const twice = os2Index("twice", { documents: 0 });
  (twice.settings.index as Record<string, unknown>).number_of_shards = "5";
  const target = snapshot("http://os2:9200", OS2, [twice], [os2LegacyTemplate("web")]);
  const plan = buildPlan(source, target);
  assertEquals(plan.indices.create, ["tweets"]);
  assertEquals(plan.indices.identical_empty, ["twice"]);
  assertEquals(plan.indices.unsupported.map((u) => u.name), ["defaulted"]);
  assertMatch(plan.indices.unsupported[0].reason, /_default_.*remove-mapping-type/);
  assertEquals(plan.templates.legacy.identical, ["web"]);
  assertEquals(plan.templates.legacy.create, ["api"]);
  assertEquals(plan.creations.map((c) => `${c.kind}:${c.name}`), ["legacy:api", "index:tweets"]);
  const index = plan.creations[1];
  assert(index.kind === "index");
  assertEquals(Object.keys(index.body.mappings), ["properties"]);
  assertEquals(
    plan.transformations.filter((t) => t.rule === "remove-mapping-type").map((t) => t.subject),
    ["api", "tweets", "twice"],
  );
});

Deno.test("buildPlan: template buckets — system, managed, conflicting, missing component", () => {
  const templates: TemplateMetadata[] = [
    { name: "base", kind: "component", body: { template: { settings: { number_of_shards: 1 } } } },
    {
      name: "metrics-mappings",
      kind: "component",
      body: { template: {}, _meta: { managed: true } },
    },
    {
      name: "events",
      kind: "index",
      body: { index_patterns: ["events-*"], composed_of: ["base"], priority: 50 },
    },
    {
      name: "broken",
      kind: "index",
      body: { index_patterns: ["b-*"], composed_of: ["metrics-mappings", "nowhere"] },
    },
    {
      name: "logs",
      kind: "index",
      body: { index_patterns: ["logs-*-*"], _meta: { managed: true } },
    },
    { name: "clash", kind: "index", body: { index_patterns: ["c-*"], priority: 5 } },
    { name: ".ml-state", kind: "legacy", body: { index_patterns: [".ml-state*"], order: 0 } },
    {
      name: "security-index-template",
      kind: "legacy",
      body: { index_patterns: [".security-*"], order: 1000 },
    },
  ];
  const source = snapshot("http://es7:9200", ES7, [], templates);
  const target = snapshot("http://os2:9200", OS2, [], [
    { name: "clash", kind: "index", body: { index_patterns: ["c-*"], priority: 7 } },
  ]);
  const plan = buildPlan(source, target);
  assertEquals(plan.templates.component.create, ["base"]);
  assertEquals(plan.templates.component.excluded, ["metrics-mappings"]);
  assertEquals(plan.templates.index.create, ["events"]);
  assertEquals(plan.templates.index.excluded, ["logs"]);
  assertEquals(plan.templates.index.unsupported.map((u) => u.name), ["broken"]);
  assertMatch(plan.templates.index.unsupported[0].reason, /metrics-mappings, nowhere/);
  assertEquals(plan.templates.index.conflicting, [{
    name: "clash",
    differences: [{ path: "priority", source: "5", target: "7" }],
  }]);
  assertEquals(plan.templates.legacy.excluded, [".ml-state", "security-index-template"]);
  assertEquals(plan.creations.map((c) => `${c.kind}:${c.name}`), [
    "component:base",
    "index-template:events",
  ]);
});

Deno.test("isSystemTemplate: templates that only make hidden indices are the cluster's", () => {
  assert(isSystemTemplate({
    name: "ilm-history",
    kind: "index",
    body: {
      index_patterns: ["ilm-history-5*"],
      template: { settings: { index: { hidden: true } } },
    },
  }));
  assert(!isSystemTemplate({ name: "web", kind: "legacy", body: { index_patterns: ["web-*"] } }));
});

Deno.test("buildPlan: a closed target index is conflicting (nothing can be written into it)", () => {
  const plan = buildPlan(
    snapshot("http://es7", ES7, [es7Index("a")]),
    snapshot("http://os2", OS2, [os2Index("a", { state: "close", health: undefined })]),
  );
  assertEquals(plan.indices.conflicting, [{
    name: "a",
    differences: [{ path: "state", source: "open", target: "close" }],
  }]);
});

Deno.test("buildPlan: unsupported rules reach the plan (ES 8 dense_vector without k-NN)", () => {
  const vectors = es7Index("vectors", {
    mappings: { properties: { v: { type: "dense_vector", dims: 3, similarity: "cosine" } } },
  });
  const without = buildPlan(snapshot("http://es8", ES8, [vectors]), snapshot("http://os2", OS2));
  assertMatch(without.indices.unsupported[0]?.reason ?? "", /opensearch-knn/);
  const withKnn = buildPlan(
    snapshot("http://es8", ES8, [vectors]),
    snapshot("http://os2", OS2),
    DEFAULT_PLAN_OPTIONS,
    ["opensearch-knn"],
  );
  assertEquals(withKnn.indices.create, ["vectors"]);
});

Deno.test("buildPlan is deterministic whatever the order of the snapshots", () => {
  const source = es7Source();
  const target = os2Target();
  const shuffled = {
    ...source,
    indices: [...source.indices].reverse(),
  };
  assertEquals(buildPlan(shuffled, target), buildPlan(source, target));
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
