/** Each transform rule on its own, and the runner that names what changed. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { type Definition, type RuleContext, RULES } from "../../src/metadata/rules.ts";
import {
  parseRejectedSettingKey,
  transformIndex,
  transformTemplate,
} from "../../src/metadata/transform.ts";
import type { ClusterVersion } from "../../src/metadata/types.ts";

const ES6: ClusterVersion = {
  distribution: "elasticsearch",
  version: "6.8.23",
  major: 6,
  minor: 8,
};
const ES8: ClusterVersion = {
  distribution: "elasticsearch",
  version: "8.19.21",
  major: 8,
  minor: 19,
};
const OS1: ClusterVersion = { distribution: "opensearch", version: "1.3.20", major: 1, minor: 3 };
const OS2: ClusterVersion = { distribution: "opensearch", version: "2.19.6", major: 2, minor: 19 };
const context = (
  source: ClusterVersion,
  target = OS2,
  targetPlugins: string[] = [],
): RuleContext => ({
  source,
  target,
  targetPlugins,
});

function rule(id: string) {
  const found = RULES.find((r) => r.id === id);
  assert(found, `no rule ${id}`);
  return found;
}

const empty: Definition = { settings: {}, mappings: {}, aliases: {} };

Deno.test("remove-mapping-type: one custom type becomes typeless", () => {
  const outcome = rule("remove-mapping-type").apply(
    { ...empty, mappings: { tweet: { properties: { a: { type: "keyword" } } } } },
    context(ES6),
  );
  assertEquals(outcome.definition.mappings, { properties: { a: { type: "keyword" } } });
  assertEquals(outcome.changes, ["mapping type [tweet] removed; mappings are typeless"]);
});

Deno.test("remove-mapping-type: typeless mappings are left alone", () => {
  const mappings = {
    dynamic: "strict",
    _source: { enabled: true },
    properties: { a: { type: "long" } },
  };
  const outcome = rule("remove-mapping-type").apply({ ...empty, mappings }, context(ES6));
  assertEquals(outcome.definition.mappings, mappings);
  assertEquals(outcome.changes, []);
});

Deno.test("remove-mapping-type: several types or _default_ are not migratable", () => {
  const two = rule("remove-mapping-type").apply(
    { ...empty, mappings: { a: {}, b: {} } },
    context(ES6),
  );
  assertMatch(two.unsupported ?? "", /mapping types \[a, b\]/);
  const defaulted = rule("remove-mapping-type").apply(
    { ...empty, mappings: { _default_: {}, doc: {} } },
    context(ES6),
  );
  assertMatch(defaulted.unsupported ?? "", /_default_/);
});

Deno.test("remove-unknown-settings: ILM, tiers and X-Pack settings go, each named; OpenSearch sources untouched", () => {
  const settings = {
    "index.number_of_shards": "1",
    "index.lifecycle.name": "30-days",
    "index.routing.allocation.include._tier_preference": "data_content",
    "index.xpack.watcher.template.version": "12",
  };
  const outcome = rule("remove-unknown-settings").apply({ ...empty, settings }, context(ES8));
  assertEquals(outcome.definition.settings, { "index.number_of_shards": "1" });
  assertEquals(outcome.changes.length, 3);
  assertMatch(outcome.changes.join("\n"), /index\.lifecycle\.name removed \(ILM/);
  const fromOpenSearch = rule("remove-unknown-settings").apply(
    { ...empty, settings },
    context(OS1),
  );
  assertEquals(fromOpenSearch.changes, []);
});

Deno.test("rename-analysis-components: nGram, edgeNGram, and the standard filter", () => {
  const settings = {
    "index.analysis.tokenizer.t1.type": "nGram",
    "index.analysis.filter.f1.type": "edgeNGram",
    "index.analysis.analyzer.a1.filter": JSON.stringify(["standard", "lowercase"]),
    "index.analysis.analyzer.a1.tokenizer": "t1",
  };
  const outcome = rule("rename-analysis-components").apply({ ...empty, settings }, context(ES6));
  assertEquals(outcome.definition.settings, {
    "index.analysis.tokenizer.t1.type": "ngram",
    "index.analysis.filter.f1.type": "edge_ngram",
    "index.analysis.analyzer.a1.filter": JSON.stringify(["lowercase"]),
    "index.analysis.analyzer.a1.tokenizer": "t1",
  });
  assertEquals(outcome.changes.length, 3);
});

Deno.test("remove-obsolete-mapping-parameters: _all and include_in_all, also in sub-fields", () => {
  const outcome = rule("remove-obsolete-mapping-parameters").apply({
    ...empty,
    mappings: {
      _all: { enabled: false },
      properties: {
        a: { type: "text", include_in_all: false },
        o: { properties: { b: { type: "keyword", include_in_all: true } } },
      },
    },
  }, context(ES6));
  assertEquals(outcome.definition.mappings, {
    properties: { a: { type: "text" }, o: { properties: { b: { type: "keyword" } } } },
  });
  assertEquals(outcome.changes.length, 3);
});

Deno.test("string-to-text-keyword: not_analyzed becomes keyword, the rest text, also in multi-fields", () => {
  const outcome = rule("string-to-text-keyword").apply({
    ...empty,
    mappings: {
      properties: {
        id: { type: "string", index: "not_analyzed" },
        body: { type: "string", fields: { raw: { type: "string", index: "not_analyzed" } } },
      },
    },
  }, context(ES6));
  assertEquals(outcome.definition.mappings, {
    properties: {
      id: { type: "keyword" },
      body: { type: "text", fields: { raw: { type: "keyword" } } },
    },
  });
});

Deno.test("flattened-to-flat-object: converted on OpenSearch 2.7+, refused on 1.x with the reason", () => {
  const definition = {
    ...empty,
    mappings: { properties: { labels: { type: "flattened", depth_limit: 5 } } },
  };
  const converted = rule("flattened-to-flat-object").apply(definition, context(ES8, OS2));
  assertEquals(converted.definition.mappings, { properties: { labels: { type: "flat_object" } } });
  const refused = rule("flattened-to-flat-object").apply(definition, context(ES8, OS1));
  assertMatch(refused.unsupported ?? "", /flat_object from 2\.7/);
});

Deno.test("dense-vector-to-knn-vector: needs the k-NN plugin; converts dims and enables knn", () => {
  const definition = {
    ...empty,
    mappings: { properties: { v: { type: "dense_vector", dims: 3 } } },
  };
  const refused = rule("dense-vector-to-knn-vector").apply(definition, context(ES8));
  assertMatch(refused.unsupported ?? "", /k-NN plugin/);
  const converted = rule("dense-vector-to-knn-vector").apply(
    definition,
    context(ES8, OS2, ["opensearch-knn"]),
  );
  assertEquals(converted.definition.mappings, {
    properties: { v: { type: "knn_vector", dimension: 3 } },
  });
  assertEquals(converted.definition.settings["index.knn"], "true");
});

Deno.test("transformIndex drops internal settings and names every rule that changed something", () => {
  const result = transformIndex({
    name: "old",
    settings: {
      index: {
        number_of_shards: "1",
        uuid: "x",
        creation_date: "1",
        provided_name: "old",
        version: { created: "6082399" },
        lifecycle: { name: "p" },
      },
    },
    mappings: { doc: { properties: { a: { type: "keyword" } } } },
    aliases: {},
    state: "open",
    documents: 0,
  }, context(ES6));
  assertEquals(result.definition.settings, { "index.number_of_shards": "1" });
  assertEquals(result.transformations.map((t) => t.rule), [
    "remove-mapping-type",
    "remove-unknown-settings",
  ]);
  assertEquals(result.transformations[0].subject, "old");
});

Deno.test("legacy-template-patterns: a legacy template's template key becomes index_patterns", () => {
  const result = transformTemplate({
    name: "t",
    kind: "legacy",
    body: { template: "logs-*", order: 1, mappings: { doc: { properties: {} } } },
  }, context(ES6));
  assertEquals(result.body.index_patterns, ["logs-*"]);
  assertEquals("template" in result.body, false);
  assertEquals(result.body.mappings, { properties: {} });
  assertEquals(result.transformations.map((t) => t.rule), [
    "remove-mapping-type",
    "legacy-template-patterns",
  ]);
});

Deno.test("rejected setting keys are read from OpenSearch's create errors", () => {
  assertEquals(
    parseRejectedSettingKey(
      "illegal_argument_exception: unknown setting [index.mapping.dimension_fields.limit] please check that any required plugins are installed, or check the breaking changes documentation for removed settings",
    ),
    "index.mapping.dimension_fields.limit",
  );
  assertEquals(
    parseRejectedSettingKey(
      "illegal_argument_exception: private index setting [index.uuid] can not be set explicitly",
    ),
    "index.uuid",
  );
  assertEquals(
    parseRejectedSettingKey("mapper_parsing_exception: no handler for type [x]"),
    undefined,
  );
});
