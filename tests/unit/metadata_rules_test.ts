/** Each transform rule on its own: when it applies, what it changes, and when it refuses. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { DEFINITION_RULES, TEMPLATE_RULES } from "../../src/metadata/transform/registry.ts";
import type { Definition, RuleContext } from "../../src/metadata/transform/rule.ts";
import { context, ES5, ES6, ES7, ES8, OS1, OS2, OS26, OS3 } from "./metadata_fixtures.ts";

function rule(id: string) {
  const found = DEFINITION_RULES.find((r) => r.id === id);
  assert(found, `no definition rule ${id}`);
  return found;
}

function templateRule(id: string) {
  const found = TEMPLATE_RULES.find((r) => r.id === id);
  assert(found, `no template rule ${id}`);
  return found;
}

const empty: Definition = { settings: {}, mappings: {}, aliases: {} };

function run(id: string, definition: Partial<Definition>, ctx: RuleContext) {
  const r = rule(id);
  assert(r.appliesTo(ctx), `${id} should apply`);
  return r.apply({ ...empty, ...definition }, ctx);
}

Deno.test("rule ids are unique and every rule is described", () => {
  const ids = [...DEFINITION_RULES, ...TEMPLATE_RULES].map((r) => r.id);
  assertEquals(new Set(ids).size, ids.length);
  for (const r of [...DEFINITION_RULES, ...TEMPLATE_RULES]) assert(r.description.length > 20);
});

// remove-mapping-type

Deno.test("remove-mapping-type: one custom type becomes typeless, naming the type", () => {
  const outcome = run("remove-mapping-type", {
    mappings: { tweet: { _source: { enabled: true }, properties: { a: { type: "keyword" } } } },
  }, context(ES6));
  assertEquals(outcome.value.mappings, {
    _source: { enabled: true },
    properties: { a: { type: "keyword" } },
  });
  assertEquals(outcome.changes, ["mapping type [tweet] removed; mappings are typeless"]);
});

Deno.test("remove-mapping-type: _doc and empty mappings", () => {
  const doc = run("remove-mapping-type", { mappings: { _doc: {} } }, context(ES6));
  assertEquals(doc.value.mappings, {});
  assertEquals(doc.changes.length, 1);
  const none = run("remove-mapping-type", { mappings: {} }, context(ES6));
  assertEquals(none.changes, []);
  assertEquals(none.unsupported, undefined);
});

Deno.test("remove-mapping-type: several types or _default_ are not migratable, types named", () => {
  const two = run("remove-mapping-type", { mappings: { b: {}, a: {} } }, context(ES5));
  assertMatch(two.unsupported ?? "", /mapping types \[a, b\]/);
  const defaulted = run("remove-mapping-type", {
    mappings: { _default_: { dynamic: "strict" }, doc: {} },
  }, context(ES6));
  assertMatch(defaulted.unsupported ?? "", /\[_default_, doc\].*_default_ applies/);
  const onlyDefault = run("remove-mapping-type", { mappings: { _default_: {} } }, context(ES6));
  assert(onlyDefault.unsupported);
});

Deno.test("remove-mapping-type: does not apply to ES 7+ or OpenSearch sources", () => {
  for (const source of [ES7, ES8, OS1, OS2]) {
    assertEquals(rule("remove-mapping-type").appliesTo(context(source)), false);
  }
});

// remove-unknown-settings

Deno.test("remove-unknown-settings: ILM, tiers, X-Pack, frozen, mapper.dynamic go, each named", () => {
  const settings = {
    "index.number_of_shards": "1",
    "index.lifecycle.name": "30-days",
    "index.lifecycle.rollover_alias": "logs",
    "index.routing.allocation.include._tier_preference": "data_content",
    "index.xpack.watcher.template.version": "12",
    "index.frozen": "true",
    "index.mapper.dynamic": "false",
    "index.mapping.total_fields.ignore_dynamic_beyond_limit": "true",
    "index.mode": "time_series",
    "index.routing_path": ["host"],
  };
  const outcome = run("remove-unknown-settings", { settings }, context(ES8));
  assertEquals(outcome.value.settings, { "index.number_of_shards": "1" });
  assertEquals(outcome.changes.length, 9);
  assertMatch(outcome.changes.join("\n"), /setting index\.lifecycle\.name removed \(ILM/);
  assertMatch(outcome.changes.join("\n"), /index\.mapper\.dynamic removed/);
});

Deno.test("remove-unknown-settings: settings OpenSearch knows stay; OpenSearch sources untouched", () => {
  const settings = {
    "index.mapping.total_fields.limit": "2000",
    "index.indexing.slowlog.level": "info",
    "index.default_pipeline": "p",
    "index.soft_deletes.enabled": "true",
  };
  const outcome = run("remove-unknown-settings", { settings }, context(ES7));
  assertEquals(outcome.value.settings, settings);
  assertEquals(outcome.changes, []);
  assertEquals(rule("remove-unknown-settings").appliesTo(context(OS1)), false);
});

// remove-allocation-filters

Deno.test("remove-allocation-filters: include/exclude/require filters go; other allocation settings stay", () => {
  const outcome = run("remove-allocation-filters", {
    settings: {
      "index.routing.allocation.require._name": "node-1",
      "index.routing.allocation.include.box_type": "hot",
      "index.routing.allocation.total_shards_per_node": "2",
    },
  }, context(OS1));
  assertEquals(outcome.value.settings, { "index.routing.allocation.total_shards_per_node": "2" });
  assertEquals(outcome.changes.length, 2);
  assertMatch(outcome.changes[0], /require\._name removed/);
  const none = run("remove-allocation-filters", { settings: { "index.x": "1" } }, context(ES7));
  assertEquals(none.changes, []);
});

// remove-index-blocks

Deno.test("remove-index-blocks: a shrink's write block is not copied; false blocks vanish silently", () => {
  const outcome = run("remove-index-blocks", {
    settings: {
      "index.blocks.write": "true",
      "index.blocks.read_only_allow_delete": "false",
      "index.number_of_shards": "1",
    },
  }, context(ES7));
  assertEquals(outcome.value.settings, { "index.number_of_shards": "1" });
  assertEquals(outcome.changes, ["setting index.blocks.write=true removed (index block)"]);
  const none = run("remove-index-blocks", { settings: { "index.a": "1" } }, context(ES7));
  assertEquals(none.changes, []);
});

// rename-analysis-components

Deno.test("rename-analysis-components: nGram, edgeNGram, PathHierarchy, delimited_payload_filter, htmlStrip", () => {
  const outcome = run("rename-analysis-components", {
    settings: {
      "index.analysis.tokenizer.t1.type": "nGram",
      "index.analysis.tokenizer.t2.type": "PathHierarchy",
      "index.analysis.filter.f1.type": "edgeNGram",
      "index.analysis.filter.f2.type": "delimited_payload_filter",
      "index.analysis.char_filter.c1.type": "htmlStrip",
      "index.analysis.tokenizer.t1.min_gram": "2",
    },
  }, context(ES6));
  assertEquals(outcome.value.settings, {
    "index.analysis.tokenizer.t1.type": "ngram",
    "index.analysis.tokenizer.t2.type": "path_hierarchy",
    "index.analysis.filter.f1.type": "edge_ngram",
    "index.analysis.filter.f2.type": "delimited_payload",
    "index.analysis.char_filter.c1.type": "html_strip",
    "index.analysis.tokenizer.t1.min_gram": "2",
  });
  assert(outcome.changes.includes("index.analysis.tokenizer.t1.type: nGram → ngram"));
});

Deno.test("rename-analysis-components: the standard filter leaves chains; built-in references renamed", () => {
  const outcome = run("rename-analysis-components", {
    settings: {
      "index.analysis.analyzer.a1.type": "custom",
      "index.analysis.analyzer.a1.tokenizer": "nGram",
      "index.analysis.analyzer.a1.filter": ["standard", "lowercase", "edgeNGram"],
      "index.analysis.analyzer.a1.char_filter": ["htmlStrip"],
      "index.analysis.normalizer.n1.filter": "standard",
    },
  }, context(ES6));
  assertEquals(outcome.value.settings, {
    "index.analysis.analyzer.a1.type": "custom",
    "index.analysis.analyzer.a1.tokenizer": "ngram",
    "index.analysis.analyzer.a1.filter": ["lowercase", "edge_ngram"],
    "index.analysis.analyzer.a1.char_filter": ["html_strip"],
    "index.analysis.normalizer.n1.filter": [],
  });
  assertMatch(outcome.changes.join("\n"), /standard token filter dropped/);
});

Deno.test("rename-analysis-components: a custom standard-type filter is removed with its references", () => {
  const outcome = run("rename-analysis-components", {
    settings: {
      "index.analysis.filter.std.type": "standard",
      "index.analysis.analyzer.a1.filter": ["std", "lowercase"],
    },
  }, context(ES6));
  assertEquals(outcome.value.settings, { "index.analysis.analyzer.a1.filter": ["lowercase"] });
});

Deno.test("rename-analysis-components: custom components named like old types keep their names", () => {
  const settings = {
    "index.analysis.tokenizer.nGram.type": "ngram",
    "index.analysis.filter.standard.type": "stop",
    "index.analysis.analyzer.a1.tokenizer": "nGram",
    "index.analysis.analyzer.a1.filter": ["standard"],
  };
  const outcome = run("rename-analysis-components", { settings }, context(ES6));
  assertEquals(outcome.value.settings, settings);
  assertEquals(outcome.changes, []);
});

// remove-obsolete-mapping-parameters

Deno.test("remove-obsolete-mapping-parameters: _all and include_in_all, also in sub-fields", () => {
  const outcome = run("remove-obsolete-mapping-parameters", {
    mappings: {
      _all: { enabled: false },
      properties: {
        a: { type: "text", include_in_all: false },
        o: { properties: { b: { type: "keyword", include_in_all: true } } },
      },
    },
  }, context(ES6));
  assertEquals(outcome.value.mappings, {
    properties: { a: { type: "text" }, o: { properties: { b: { type: "keyword" } } } },
  });
  assertEquals(outcome.changes, [
    '_all removed (was {"enabled":false})',
    "a: include_in_all removed",
    "o.b: include_in_all removed",
  ]);
});

Deno.test("remove-obsolete-mapping-parameters: only for ES 6 and older; _field_names kept", () => {
  const mappings = { _field_names: { enabled: false }, properties: { a: { type: "long" } } };
  assertEquals(run("remove-obsolete-mapping-parameters", { mappings }, context(ES6)).changes, []);
  assertEquals(rule("remove-obsolete-mapping-parameters").appliesTo(context(ES7)), false);
});

// string-to-text-keyword

Deno.test("string-to-text-keyword: not_analyzed → keyword, no → keyword unindexed, else text", () => {
  const outcome = run("string-to-text-keyword", {
    mappings: {
      properties: {
        id: { type: "string", index: "not_analyzed", ignore_above: 100 },
        secret: { type: "string", index: "no", analyzer: "standard" },
        body: {
          type: "string",
          analyzer: "english",
          norms: { enabled: false },
          fielddata: { format: "disabled" },
          fields: { raw: { type: "string", index: "not_analyzed" } },
        },
        n: { type: "long" },
      },
    },
  }, context(ES5));
  assertEquals(outcome.value.mappings, {
    properties: {
      id: { type: "keyword", ignore_above: 100 },
      secret: { type: "keyword", index: false },
      body: {
        type: "text",
        analyzer: "english",
        norms: false,
        fields: { raw: { type: "keyword" } },
      },
      n: { type: "long" },
    },
  });
  assertEquals(outcome.changes.length, 4);
});

Deno.test("string-to-text-keyword: mappings without string fields are left alone", () => {
  const mappings = { properties: { a: { type: "text" } } };
  const outcome = run("string-to-text-keyword", { mappings }, context(ES6));
  assertEquals(outcome.changes, []);
  assertEquals(outcome.value.mappings, mappings);
});

// flattened-to-flat-object

Deno.test("flattened-to-flat-object: converted on OpenSearch 2.7+, parameters named", () => {
  const outcome = run("flattened-to-flat-object", {
    mappings: { properties: { labels: { type: "flattened", depth_limit: 5 } } },
  }, context(ES7, OS2));
  assertEquals(outcome.value.mappings, { properties: { labels: { type: "flat_object" } } });
  assertEquals(outcome.changes, [
    "labels: flattened → flat_object (parameters depth_limit dropped)",
  ]);
});

Deno.test("flattened-to-flat-object: refused before OpenSearch 2.7, with the reason", () => {
  const definition = {
    mappings: { properties: { o: { properties: { l: { type: "flattened" } } } } },
  };
  for (const target of [OS1, OS26]) {
    const refused = run("flattened-to-flat-object", definition, context(ES8, target));
    assertMatch(refused.unsupported ?? "", /o\.l: OpenSearch has flat_object from 2\.7/);
  }
  assertEquals(run("flattened-to-flat-object", {}, context(ES8, OS3)).changes, []);
  assertEquals(rule("flattened-to-flat-object").appliesTo(context(ES6)), false);
});

// dense-vector-to-knn-vector

Deno.test("dense-vector-to-knn-vector: without the k-NN plugin the index is refused", () => {
  const refused = run("dense-vector-to-knn-vector", {
    mappings: { properties: { v: { type: "dense_vector", dims: 3 } } },
  }, context(ES8, OS2, ["analysis-icu"]));
  assertMatch(
    refused.unsupported ?? "",
    /v is dense_vector and the target lacks the opensearch-knn/,
  );
});

Deno.test("dense-vector-to-knn-vector: ES 7 vectors (not indexed) keep exact scoring only", () => {
  const outcome = run("dense-vector-to-knn-vector", {
    mappings: { properties: { v: { type: "dense_vector", dims: 3 } } },
  }, context(ES7, OS2, ["opensearch-knn"]));
  assertEquals(outcome.value.mappings, { properties: { v: { type: "knn_vector", dimension: 3 } } });
  assertEquals(outcome.value.settings["index.knn"], undefined);
});

Deno.test("dense-vector-to-knn-vector: ES 8 indexed vectors get an HNSW method and index.knn", () => {
  const outcome = run("dense-vector-to-knn-vector", {
    mappings: {
      properties: {
        v: {
          type: "dense_vector",
          dims: 384,
          index: true,
          similarity: "cosine",
          index_options: { type: "hnsw", m: 16, ef_construction: 100 },
        },
        b: { type: "dense_vector", dims: 8, element_type: "byte", similarity: "l2_norm" },
      },
    },
  }, context(ES8, OS3, ["opensearch-knn"]));
  assertEquals(outcome.value.mappings, {
    properties: {
      v: {
        type: "knn_vector",
        dimension: 384,
        method: {
          name: "hnsw",
          engine: "lucene",
          space_type: "cosinesimil",
          parameters: { m: 16, ef_construction: 100 },
        },
      },
      b: {
        type: "knn_vector",
        dimension: 8,
        data_type: "byte",
        method: { name: "hnsw", engine: "lucene", space_type: "l2" },
      },
    },
  });
  assertEquals(outcome.value.settings["index.knn"], "true");
  assertMatch(outcome.changes.join("\n"), /index\.knn=true added/);
});

Deno.test("dense-vector-to-knn-vector: no dims or bit vectors are refused; OpenSearch sources skipped", () => {
  const ctx = context(ES8, OS2, ["opensearch-knn"]);
  const noDims = run("dense-vector-to-knn-vector", {
    mappings: { properties: { v: { type: "dense_vector" } } },
  }, ctx);
  assertMatch(noDims.unsupported ?? "", /without dims/);
  const bits = run("dense-vector-to-knn-vector", {
    mappings: { properties: { v: { type: "dense_vector", dims: 8, element_type: "bit" } } },
  }, ctx);
  assertMatch(bits.unsupported ?? "", /element_type bit/);
  assertEquals(rule("dense-vector-to-knn-vector").appliesTo(context(OS1)), false);
});

// require-target-plugins

Deno.test("require-target-plugins: a knn_vector field needs the plugin on the target", () => {
  const definition = { mappings: { properties: { v: { type: "knn_vector", dimension: 2 } } } };
  const refused = run("require-target-plugins", definition, context(OS1, OS2, []));
  assertMatch(refused.unsupported ?? "", /v need the opensearch-knn plugin/);
  const fine = run("require-target-plugins", definition, context(OS1, OS2, ["opensearch-knn"]));
  assertEquals(fine.unsupported, undefined);
  const plain = run("require-target-plugins", { mappings: { properties: {} } }, context(OS1));
  assertEquals(plain.unsupported, undefined);
});

// template rules

Deno.test("legacy-template-patterns: template → index_patterns; others untouched", () => {
  const r = templateRule("legacy-template-patterns");
  const outcome = r.apply({ kind: "legacy", body: { template: "logs-*", order: 1 } }, context(ES5));
  assertEquals(outcome.value.body, { order: 1, index_patterns: ["logs-*"] });
  assertEquals(outcome.changes, ['template "logs-*" → index_patterns ["logs-*"]']);
  const modern = r.apply({ kind: "legacy", body: { index_patterns: ["a*"] } }, context(ES6));
  assertEquals(modern.changes, []);
  const composable = r.apply(
    { kind: "index", body: { index_patterns: ["a*"], template: { settings: {} } } },
    context(ES7),
  );
  assertEquals(composable.changes, []);
});

Deno.test("remove-unknown-template-fields: ES 8 template fields OpenSearch refuses are removed", () => {
  const r = templateRule("remove-unknown-template-fields");
  const body = {
    index_patterns: ["logs-*"],
    allow_auto_create: true,
    ignore_missing_component_templates: ["x"],
    data_stream: { hidden: false, allow_custom_routing: false },
    template: { lifecycle: { data_retention: "7d" }, settings: { number_of_shards: 1 } },
    priority: 10,
  };
  const outcome = r.apply({ kind: "index", body }, context(ES8));
  assertEquals(outcome.value.body, {
    index_patterns: ["logs-*"],
    data_stream: {},
    template: { settings: { number_of_shards: 1 } },
    priority: 10,
  });
  assertEquals(outcome.changes.length, 5);
  assertEquals(body.allow_auto_create, true, "the input is not changed");
  assertEquals(r.appliesTo(context(OS1)), false);
});

// time-series-to-plain and synthetic-source-to-stored (Elasticsearch 8 -> OpenSearch)

const TSDB_MAPPINGS = {
  properties: {
    "@timestamp": { type: "date" },
    host: { type: "keyword", time_series_dimension: true },
    cpu: { type: "double", time_series_metric: "gauge" },
  },
};

Deno.test("time-series-to-plain: dimension and metric parameters removed, each named, the index a plain one", () => {
  const outcome = run("time-series-to-plain", { mappings: TSDB_MAPPINGS }, context(ES8));
  assertEquals(outcome.value.mappings, {
    properties: {
      "@timestamp": { type: "date" },
      host: { type: "keyword" },
      cpu: { type: "double" },
    },
  });
  assertEquals(outcome.changes.length, 3);
  assertMatch(outcome.changes[0], /host: time_series_dimension true removed/);
  assertMatch(outcome.changes.at(-1)!, /becomes a plain one/);
  assertEquals(rule("time-series-to-plain").appliesTo(context(ES7)), false);
  assertEquals(rule("time-series-to-plain").appliesTo(context(ES8, ES8)), false);
});

Deno.test("time-series-to-plain: an aggregate_metric_double field is not migratable, named", () => {
  const outcome = run("time-series-to-plain", {
    mappings: { properties: { cpu: { type: "aggregate_metric_double", metrics: ["max"] } } },
  }, context(ES8));
  assertMatch(outcome.unsupported ?? "", /cpu is of type aggregate_metric_double/);
});

Deno.test("synthetic-source-to-stored: _source.mode dropped, said what arrives; logsdb noted without a change", () => {
  const synthetic = run("synthetic-source-to-stored", {
    mappings: { _source: { mode: "synthetic" }, properties: { a: { type: "keyword" } } },
  }, context(ES8));
  assertEquals(synthetic.value.mappings, { properties: { a: { type: "keyword" } } });
  assertMatch(synthetic.changes[0], /synthetic removed: documents arrive as the source rebuilds/);
  const disabled = run("synthetic-source-to-stored", {
    mappings: { _source: { mode: "disabled" } },
  }, context(ES8));
  assertEquals(disabled.value.mappings, { _source: { enabled: false } });
  const logsdb = run("synthetic-source-to-stored", {
    settings: { "index.mode": "logsdb" },
    mappings: { properties: {} },
  }, context(ES8));
  assertEquals(logsdb.value.mappings, { properties: {} });
  assertMatch(logsdb.changes[0], /synthetic on the source/);
  const plain = run("synthetic-source-to-stored", { mappings: {} }, context(ES8));
  assertEquals(plain.changes, []);
});

// name-source-filtering

Deno.test("name-source-filtering: includes/excludes named, the mapping unchanged", () => {
  const mappings = { _source: { excludes: ["secret.*"] }, properties: { a: { type: "keyword" } } };
  const outcome = run("name-source-filtering", { mappings }, context(ES7));
  assertEquals(outcome.value.mappings, mappings);
  assertMatch(outcome.changes[0], /_source excludes \["secret\.\*"\]: .* cannot be copied/);
  assertEquals(run("name-source-filtering", { mappings: {} }, context(ES7)).changes, []);
});
