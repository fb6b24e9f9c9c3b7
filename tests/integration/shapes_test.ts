/**
 * Shapes that must round-trip (issue 18, section 4), from Elasticsearch 7.10 and 8.19 and
 * OpenSearch 1.3 and 2.19 to OpenSearch 3.6: index sorting, `routing_partition_size` with required routing, nested,
 * geo_point and geo_shape, a completion suggester, `_source` excludes (named: what the source
 * does not keep cannot be copied), an ECS-sized mapping (1 200 fields, its `total_fields.limit`),
 * aliases with a filter and routing, an alias over two indices with one write index. Each arrives
 * with `verify --checksums` equal and its definition on the target; the run exits 0.
 *
 * Join fields (questions and answers routed together), percolator queries and geo_shape need
 * modules on the source: the harness adds them to os2 (from Maven Central); the integ-test
 * distributions of the other sources lack them, and the test says "not run" for those there.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { assertVerified, call, inScene, nativeRunArgs, type NodeHandle, runCli } from "./scene.ts";
import { moduleShapes, shapes } from "./shapes.ts";

async function roundTrips(source: NodeHandle, target: NodeHandle, p: string, dir: string) {
  const names = { ...await shapes(source, p), ...await moduleShapes(source, p) };
  const planned = await runCli([
    "plan",
    "--source",
    source.url,
    "--target",
    target.url,
    "--include",
    `${p}*`,
    "--json",
  ]);
  assertEquals(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  assertEquals(plan.indices.create.length, Object.keys(names).length, planned.stdout);
  const named = plan.transformations.find((t: { subject: string; rule: string }) =>
    t.subject === names.filtered && t.rule === "name-source-filtering"
  );
  assert(named, "the plan names the _source excludes");
  assertStringIncludes(named.detail, "secret");

  const run = await runCli(
    nativeRunArgs({ source, target, include: `${p}*`, journal: `${dir}/run.json` }),
  );
  assertEquals(run.code, 0, run.stderr);
  await assertVerified(source, target, p);

  const settings = await call(`${target.url}/${p}*/_settings?flat_settings=true`, "GET") as Record<
    string,
    { settings: Record<string, string> }
  >;
  assertEquals(settings[names.sorted].settings["index.sort.field"], "at");
  assertEquals(settings[names.partitioned].settings["index.routing_partition_size"], "2");
  assertEquals(settings[names.ecs].settings["index.mapping.total_fields.limit"], "2000");
  const aliases = await call(`${target.url}/_alias/${p}*`, "GET") as Record<
    string,
    {
      aliases: Record<
        string,
        { filter?: unknown; index_routing?: string; is_write_index?: boolean }
      >;
    }
  >;
  const recent = aliases[names.sorted].aliases[`${p}recent`];
  assert(recent.filter !== undefined && recent.index_routing === "r1", JSON.stringify(recent));
  assertEquals(aliases[names.writeA].aliases[`${p}writes`].is_write_index, true);
  assertEquals(aliases[names.writeB].aliases[`${p}writes`].is_write_index, false);
  // The suggester and the nested and geo fields answer on the target as on the source.
  const suggest = await call(`${target.url}/${names.suggest}/_search`, "POST", {
    suggest: { s: { prefix: "title 1", completion: { field: "title" } } },
  }) as { suggest: { s: Array<{ options: unknown[] }> } };
  assert(suggest.suggest.s[0].options.length > 0, "completion suggestions on the target");
  const nested = await call(`${target.url}/${names.nested}/_count`, "POST", {
    query: { nested: { path: "comments", query: { term: { "comments.stars": 4 } } } },
  }) as { count: number };
  assertEquals(nested.count, 4);
  const near = await call(`${target.url}/${names.geo}/_count`, "POST", {
    query: { geo_distance: { distance: "50km", where: { lat: 40.1, lon: -70 } } },
  }) as { count: number };
  assertEquals(near.count, 20);
  if (names.joined) {
    const children = await call(`${target.url}/${names.joined}/_count`, "POST", {
      query: { has_parent: { parent_type: "question", query: { term: { n: 3 } } } },
    }) as { count: number };
    assertEquals(children.count, 1, "the answer found through its question on the target");
    const matched = await call(`${target.url}/${names.percolating}/_search`, "POST", {
      query: { percolate: { field: "query", document: { text: "word7" } } },
    }) as { hits: { hits: Array<{ _id: string }> } };
    assertEquals(matched.hits.hits.map((hit) => hit._id), ["p7"], "percolated on the target");
  }
}

Deno.test("shapes es7 -> os3: sorting, partitioned routing, nested, geo, completion, _source excludes, 1 200 fields, aliases: each arrives, verify equal", () =>
  inScene(["es7", "os3"], "shapes", ({ es7, os3, p, dir }) => roundTrips(es7, os3, p, dir)));

Deno.test("shapes os2 -> os3: sorting, partitioned routing, nested, geo, completion, _source excludes, 1 200 fields, aliases: each arrives, verify equal", () =>
  inScene(["os2", "os3"], "shapes", ({ os2, os3, p, dir }) => roundTrips(os2, os3, p, dir)));

Deno.test("shapes es8 -> os3: sorting, partitioned routing, nested, geo, completion, _source excludes, 1 200 fields, aliases: each arrives, verify equal", () =>
  inScene(["es8", "os3"], "shapes", ({ es8, os3, p, dir }) => roundTrips(es8, os3, p, dir)));

Deno.test("shapes os1 -> os3: sorting, partitioned routing, nested, geo, completion, _source excludes, 1 200 fields, aliases: each arrives, verify equal", () =>
  inScene(["os1", "os3"], "shapes", ({ os1, os3, p, dir }) => roundTrips(os1, os3, p, dir)));
