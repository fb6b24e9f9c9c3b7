/** The rule runner on indices and templates, and the reactive strip of a refused setting. */
import { assertEquals, assertMatch } from "../assert.ts";
import {
  parseRejectedSettingKey,
  stripRejectedSetting,
  transformIndex,
  transformTemplate,
} from "../../src/metadata/transform.ts";
import type { Creation } from "../../src/metadata/types.ts";
import {
  context,
  ES5,
  ES6,
  es6Index,
  ES7,
  es7Index,
  ES8,
  OS2,
  TYPELESS,
} from "./metadata_fixtures.ts";

Deno.test("transformIndex: ES 6 index → typeless, internal settings gone, each rule named", () => {
  const result = transformIndex(
    es6Index("old", {
      type: "tweet",
      settings: {
        "index.number_of_shards": "5",
        "index.uuid": "x",
        "index.creation_date": "1",
        "index.provided_name": "old",
        "index.version.created": "6082399",
        "index.lifecycle.name": "p",
        "index.analysis.tokenizer.g.type": "nGram",
      },
    }),
    context(ES6),
  );
  assertEquals(result.unsupported, undefined);
  assertEquals(result.definition.mappings, TYPELESS);
  assertEquals(result.definition.settings, {
    "index.number_of_shards": "5",
    "index.analysis.tokenizer.g.type": "ngram",
  });
  assertEquals(result.transformations.map((t) => t.rule), [
    "remove-mapping-type",
    "remove-unknown-settings",
    "rename-analysis-components",
  ]);
  assertEquals(result.transformations[0], {
    subject: "old",
    subjectKind: "index",
    rule: "remove-mapping-type",
    detail: "mapping type [tweet] removed; mappings are typeless",
  });
});

Deno.test("transformIndex: the first refusal stops the rules and names its rule", () => {
  const result = transformIndex(
    es6Index("multi", { mappings: { _default_: {}, doc: { _all: { enabled: true } } } }),
    context(ES6),
  );
  assertMatch(result.unsupported ?? "", /_default_.*\[remove-mapping-type\]$/);
  assertEquals(result.transformations, []);
});

Deno.test("transformIndex: an ES 7 index loses only the tier preference", () => {
  const result = transformIndex(es7Index("logs"), context(ES7));
  assertEquals(result.definition.settings, {
    "index.number_of_replicas": "1",
    "index.number_of_shards": "1",
  });
  assertEquals(result.transformations.map((t) => t.detail), [
    "setting index.routing.allocation.include._tier_preference removed (data tiers are Elasticsearch-only)",
  ]);
});

Deno.test("transformTemplate: ES 5 legacy template gets index_patterns and typeless mappings", () => {
  const result = transformTemplate({
    name: "t",
    kind: "legacy",
    body: {
      template: "logs-*",
      order: 1,
      settings: { index: { number_of_shards: "2" } },
      mappings: { log: { _all: { enabled: false }, properties: { m: { type: "string" } } } },
      aliases: {},
    },
  }, context(ES5));
  assertEquals(result.body, {
    order: 1,
    index_patterns: ["logs-*"],
    settings: { index: { number_of_shards: "2" } },
    mappings: { properties: { m: { type: "text" } } },
  });
  assertEquals(result.transformations.map((t) => t.rule), [
    "legacy-template-patterns",
    "remove-mapping-type",
    "remove-obsolete-mapping-parameters",
    "string-to-text-keyword",
  ]);
  assertEquals(result.transformations[0].subjectKind, "legacy");
});

Deno.test("transformTemplate: composable and component bodies keep their frame", () => {
  const index = transformTemplate({
    name: "events",
    kind: "index",
    body: {
      index_patterns: ["events-*"],
      composed_of: ["base"],
      priority: 50,
      allow_auto_create: true,
      template: { aliases: { all: {} }, settings: { index: { lifecycle: { name: "p" } } } },
    },
  }, context(ES8));
  assertEquals(index.body, {
    index_patterns: ["events-*"],
    composed_of: ["base"],
    priority: 50,
    template: { aliases: { all: {} } },
  });
  assertEquals(index.transformations.map((t) => t.rule), [
    "remove-unknown-template-fields",
    "remove-unknown-settings",
  ]);
  const component = transformTemplate(
    { name: "base", kind: "component", body: { template: {}, version: 2 } },
    context(ES7),
  );
  assertEquals(component.body, { template: {}, version: 2 });
  assertEquals(component.transformations, []);
});

Deno.test("transformTemplate: a multi-type legacy template is not migratable", () => {
  const result = transformTemplate({
    name: "t",
    kind: "legacy",
    body: { index_patterns: ["a"], mappings: { a: {}, b: {} } },
  }, context(ES6, OS2));
  assertMatch(result.unsupported ?? "", /mapping types \[a, b\]/);
});

Deno.test("parseRejectedSettingKey reads OpenSearch's unknown and private setting errors", () => {
  assertEquals(
    parseRejectedSettingKey(
      "illegal_argument_exception: unknown setting [index.mapping.dimension_fields.limit] please " +
        "check that any required plugins are installed, or check the breaking changes " +
        "documentation for removed settings",
    ),
    "index.mapping.dimension_fields.limit",
  );
  assertEquals(
    parseRejectedSettingKey("unknown setting [index.foo] did you mean [index.for]?"),
    "index.foo",
  );
  assertEquals(
    parseRejectedSettingKey(
      "illegal_argument_exception: private index setting [index.uuid] can not be set explicitly",
    ),
    "index.uuid",
  );
  assertEquals(
    parseRejectedSettingKey("Failed to parse value [x] for setting [index.number_of_shards]"),
    undefined,
  );
  assertEquals(
    parseRejectedSettingKey("mapper_parsing_exception: no handler for type [x]"),
    undefined,
  );
});

Deno.test("stripRejectedSetting removes a key from nested, flat or prefix-less settings", () => {
  const index: Creation = {
    kind: "index",
    name: "i",
    body: {
      settings: {
        index: { number_of_shards: "1", mapping: { dimension_fields: { limit: "20" } } },
      },
      mappings: {},
      aliases: {},
    },
  };
  const stripped = stripRejectedSetting(index, "index.mapping.dimension_fields.limit");
  assertEquals(stripped?.body.settings, { index: { number_of_shards: "1" } });
  assertEquals(
    (index.body.settings.index as Record<string, unknown>).mapping !== undefined,
    true,
    "the creation itself is not changed",
  );
  const flat: Creation = {
    kind: "legacy",
    name: "l",
    body: { index_patterns: ["x"], settings: { "index.foo.bar": "1", "baz": "2" } },
  };
  assertEquals(stripRejectedSetting(flat, "index.foo.bar")?.body, {
    index_patterns: ["x"],
    settings: { baz: "2" },
  });
  assertEquals(stripRejectedSetting(flat, "index.baz")?.body.settings, { "index.foo.bar": "1" });
  const component: Creation = {
    kind: "component",
    name: "c",
    body: { template: { settings: { index: { "knn.space_type": "l2", knn: "true" } } } },
  };
  assertEquals(stripRejectedSetting(component, "index.knn.space_type")?.body, {
    template: { settings: { index: { knn: "true" } } },
  });
});

Deno.test("stripRejectedSetting says when there is nothing to strip (no pointless retry)", () => {
  const creation: Creation = {
    kind: "index",
    name: "i",
    body: { settings: { index: { number_of_shards: "1" } }, mappings: {}, aliases: {} },
  };
  assertEquals(stripRejectedSetting(creation, "index.other"), undefined);
  assertEquals(
    stripRejectedSetting({ kind: "index-template", name: "t", body: { index_patterns: [] } }, "x"),
    undefined,
  );
});
