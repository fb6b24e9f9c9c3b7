/** Canonical settings, internal settings, canonical mappings and aliases, system indices. */
import { assert, assertEquals } from "../assert.ts";
import {
  canonicalAliases,
  canonicalMappings,
  canonicalSettings,
  dropInternalSettings,
  flattenSettings,
  isClusterOwnedIndex,
  isHidden,
  nestSettings,
} from "../../src/metadata/normalize.ts";

Deno.test("canonicalSettings: nested, flat and mixed input written differently are equal", () => {
  const nested = canonicalSettings({
    index: {
      number_of_shards: 1,
      hidden: false,
      analysis: { filter: { f: { type: "stop", stopwords: ["a", "b"] } } },
    },
  });
  const flat = canonicalSettings({
    "index.number_of_shards": "1",
    "index.hidden": "false",
    "index.analysis.filter.f.type": "stop",
    "index.analysis.filter.f.stopwords": ["a", "b"],
  });
  const mixed = canonicalSettings({
    number_of_shards: 1,
    "index.hidden": false,
    index: { "analysis.filter.f": { type: "stop", stopwords: ["a", "b"] } },
  });
  assertEquals(nested, flat);
  assertEquals(mixed, flat);
  assertEquals(flat["index.analysis.filter.f.stopwords"], '["a","b"]');
  assertEquals(canonicalSettings(flat), flat, "idempotent");
});

Deno.test("canonicalSettings: list order counts, a regex-like scalar stays a scalar, null is absent", () => {
  assert(
    canonicalSettings({ "index.a": ["x", "y"] })["index.a"] !==
      canonicalSettings({ "index.a": ["y", "x"] })["index.a"],
  );
  const settings = canonicalSettings({
    index: { analysis: { char_filter: { c: { pattern: "[^a-z]+" } } }, refresh_interval: null },
  });
  assertEquals(settings, { "index.analysis.char_filter.c.pattern": "[^a-z]+" });
});

Deno.test("flattenSettings and nestSettings round-trip lists and scalars", () => {
  const flat = flattenSettings({
    index: {
      number_of_shards: 3,
      analysis: {
        analyzer: { a: { filter: ["lowercase"], tokenizer: "standard" } },
        char_filter: { c: { pattern: "[x]" } },
      },
    },
  });
  assertEquals(flat, {
    "index.number_of_shards": "3",
    "index.analysis.analyzer.a.filter": ["lowercase"],
    "index.analysis.analyzer.a.tokenizer": "standard",
    "index.analysis.char_filter.c.pattern": "[x]",
  });
  assertEquals(nestSettings(flat), {
    index: {
      analysis: {
        analyzer: { a: { filter: ["lowercase"], tokenizer: "standard" } },
        char_filter: { c: { pattern: "[x]" } },
      },
      number_of_shards: "3",
    },
  });
  assertEquals(flattenSettings(nestSettings(flat)), flat);
});

Deno.test("dropInternalSettings: what belongs to one physical index never compares", () => {
  const a = dropInternalSettings(canonicalSettings({
    index: {
      number_of_shards: "1",
      uuid: "A",
      creation_date: "1",
      provided_name: "x",
      version: { created: "6082399", upgraded: "6082399" },
      history: { uuid: "h" },
      resize: { source: { name: "big", uuid: "u" } },
      routing: { allocation: { initial_recovery: { _id: "n1" } } },
      verified_before_close: "true",
    },
  }));
  const b = dropInternalSettings(canonicalSettings({
    index: { number_of_shards: "1", uuid: "B", version: { created: "136407927" } },
    "archived.index.old_setting": "x",
  }));
  assertEquals(a, { "index.number_of_shards": "1" });
  assertEquals(a, b);
});

Deno.test("dropInternalSettings: settings that shape the data are kept", () => {
  const kept = {
    "index.number_of_routing_shards": "30",
    "index.soft_deletes.enabled": "true",
    "index.replication.type": "SEGMENT",
    "index.blocks.write": "true",
    "index.hidden": "false",
  };
  assertEquals(dropInternalSettings(kept), kept);
});

Deno.test("canonicalMappings: key order, scalar spelling and implied object type do not matter", () => {
  const source = canonicalMappings({
    dynamic: false,
    properties: {
      user: { type: "object", properties: { id: { type: "keyword", index: "true" } } },
      empty: { properties: {} },
      at: { format: "date_optional_time", type: "date" },
    },
  });
  const target = canonicalMappings({
    properties: {
      at: { type: "date", format: "date_optional_time" },
      empty: { type: "object" },
      user: { properties: { id: { index: true, type: "keyword" } } },
    },
    dynamic: "false",
  });
  assertEquals(source, target);
  assertEquals(canonicalMappings({ properties: {} }), canonicalMappings({}));
});

Deno.test("canonicalMappings: real differences stay (nested is not object; array order kept)", () => {
  assert(
    JSON.stringify(canonicalMappings({ properties: { o: { type: "nested", properties: {} } } })) !==
      JSON.stringify(canonicalMappings({ properties: { o: { type: "object" } } })),
  );
  const templates = (names: string[]) =>
    canonicalMappings({
      dynamic_templates: names.map((name) => ({
        [name]: { match: "*", mapping: { type: "text" } },
      })),
    });
  assert(JSON.stringify(templates(["a", "b"])) !== JSON.stringify(templates(["b", "a"])));
  // `_meta` is the user's: a `properties` key inside it is not a mapping.
  assertEquals(canonicalMappings({ _meta: { properties: {} } }), { _meta: { properties: {} } });
});

Deno.test("canonicalAliases: routing is spelled out as the cluster returns it; false flags are absent", () => {
  assertEquals(
    canonicalAliases({ a: { routing: "1" }, b: { is_write_index: false } }),
    canonicalAliases({ b: {}, a: { index_routing: "1", search_routing: "1" } }),
  );
});

Deno.test("isClusterOwnedIndex and isHidden: dot names, ILM history; hidden nested or flat", () => {
  assert(isClusterOwnedIndex(".kibana_1", {}));
  assert(isClusterOwnedIndex("ilm-history-2-000001", { "index.hidden": "true" }));
  assert(!isClusterOwnedIndex("audit", { "index.hidden": "true" }));
  assert(isHidden({ index: { hidden: true } }));
  assert(!isHidden({ "index.hidden": "false" }));
});
