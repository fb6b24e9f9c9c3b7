/** Differences by path with both values; what is and is not a difference. */
import { assertEquals } from "../assert.ts";
import { diffDefinitions, diffTemplates } from "../../src/metadata/diff.ts";
import {
  indexDefinition,
  transformIndex,
  transformTemplate,
} from "../../src/metadata/transform.ts";
import {
  context,
  ES6,
  es6Index,
  es6LegacyTemplate,
  ES7,
  es7Index,
  OS1,
  os2Index,
  os2LegacyTemplate,
} from "./metadata_fixtures.ts";

const none = { settings: {}, mappings: {}, aliases: {} };

Deno.test("a target this tool created from an ES 7 index compares identical", () => {
  const source = transformIndex(es7Index("logs"), context(ES7)).definition;
  assertEquals(diffDefinitions(source, indexDefinition(os2Index("logs"))), []);
});

Deno.test("a target this tool created from an ES 6 typed index compares identical", () => {
  const source = transformIndex(es6Index("old", { type: "tweet" }), context(ES6)).definition;
  const target = os2Index("old");
  (target.settings.index as Record<string, unknown>).number_of_shards = "5";
  assertEquals(diffDefinitions(source, indexDefinition(target)), []);
});

Deno.test("replicas, refresh interval, allocation filters and replication type are not differences", () => {
  const source = {
    ...none,
    settings: { "index.number_of_replicas": "1", "index.refresh_interval": "1s" },
  };
  const target = {
    ...none,
    settings: {
      "index.number_of_replicas": "0",
      "index.auto_expand_replicas": "0-1",
      "index.refresh_interval": "-1",
      "index.replication.type": "DOCUMENT",
      "index.routing.allocation.require.zone": "b",
    },
  };
  assertEquals(diffDefinitions(source, target), []);
});

Deno.test("a write block on the target is a difference; a false block is none", () => {
  assertEquals(
    diffDefinitions(none, { ...none, settings: { "index.blocks.write": "true" } }),
    [{ path: "settings.index.blocks.write", source: undefined, target: "true" }],
  );
  assertEquals(diffDefinitions(none, { ...none, settings: { "index.blocks.write": "false" } }), []);
});

Deno.test("differences are named by path with both values, sorted within each part", () => {
  const differences = diffDefinitions(
    {
      settings: {
        "index.number_of_shards": "1",
        "index.analysis.analyzer.a.filter": ["lowercase"],
      },
      mappings: {
        properties: {
          msg: { type: "text" },
          o: { properties: { x: { type: "long" } } },
          only_source: { type: "keyword" },
        },
      },
      aliases: { a: {}, r: { routing: "1" } },
    },
    {
      settings: { "index.number_of_shards": "3" },
      mappings: {
        properties: {
          msg: { type: "keyword" },
          o: { type: "object", properties: { x: { type: "long" } } },
        },
      },
      aliases: { r: { index_routing: "1", search_routing: "2" } },
    },
  );
  assertEquals(differences, [
    {
      path: "settings.index.analysis.analyzer.a.filter",
      source: '["lowercase"]',
      target: undefined,
    },
    { path: "settings.index.number_of_shards", source: "1", target: "3" },
    { path: "mappings.properties.msg.type", source: "text", target: "keyword" },
    {
      path: "mappings.properties.only_source",
      source: '{"type":"keyword"}',
      target: undefined,
    },
    { path: "aliases.a", source: "{}", target: undefined },
    { path: "aliases.r.search_routing", source: "1", target: "2" },
  ]);
});

Deno.test("templates: an ES 6 legacy template and the one this tool created compare identical", () => {
  const source = transformTemplate(es6LegacyTemplate("web"), context(ES6));
  assertEquals(diffTemplates("legacy", source.body, os2LegacyTemplate("web")), []);
});

Deno.test("templates: frame and definition differences; absent order/priority mean 0", () => {
  const source = transformTemplate({
    name: "events",
    kind: "index",
    body: {
      index_patterns: ["events-*"],
      composed_of: [],
      template: { settings: { index: { number_of_shards: "2" } } },
    },
  }, context(OS1));
  const target = {
    name: "events",
    kind: "index" as const,
    body: {
      index_patterns: ["events-*", "ev-*"],
      priority: 0,
      template: { settings: { index: { number_of_shards: "1" } } },
    },
  };
  assertEquals(diffTemplates("index", source.body, target), [
    { path: "template.settings.index.number_of_shards", source: "2", target: "1" },
    { path: "index_patterns", source: '["events-*"]', target: '["events-*","ev-*"]' },
  ]);
});
