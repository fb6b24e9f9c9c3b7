/**
 * `plan` against real clusters: fixtures that land in every bucket, the JSON of docs/architecture.md, and the
 * transformations named for an ES 6 source.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { addDocuments, call, endpoints, inScene, runCli } from "./scene.ts";

const MAPPINGS = {
  properties: {
    title: { type: "text", fields: { raw: { type: "keyword" } } },
    n: { type: "long" },
    author: { properties: { name: { type: "keyword" } } },
    comments: { type: "nested", properties: { text: { type: "text" } } },
  },
};
const SETTINGS = { number_of_shards: 1, number_of_replicas: 0 };

Deno.test("plan es7 -> os2 puts every prepared index in its bucket (JSON)", () =>
  inScene(["es7", "os2"], "plan7", async ({ es7, os2, p }) => {
    const body = { settings: SETTINGS, mappings: MAPPINGS };
    await call(`${es7.url}/${p}create`, "PUT", {
      ...body,
      aliases: { [`${p}alias`]: { filter: { term: { n: 1 } }, routing: "1" } },
    });
    await addDocuments(es7.url, `${p}create`, 12);
    for (const name of ["empty", "same", "partial", "conflict", "tmp-1"]) {
      await call(`${es7.url}/${p}${name}`, "PUT", body);
      await addDocuments(es7.url, `${p}${name}`, 3);
    }
    await call(`${os2.url}/${p}empty`, "PUT", body);
    await call(`${os2.url}/${p}same`, "PUT", body);
    await addDocuments(os2.url, `${p}same`, 3);
    // A copy that stopped part way: never "identical" in silence.
    await call(`${os2.url}/${p}partial`, "PUT", body);
    await addDocuments(os2.url, `${p}partial`, 1);
    await call(`${os2.url}/${p}conflict`, "PUT", {
      settings: SETTINGS,
      mappings: { properties: { ...MAPPINGS.properties, title: { type: "keyword" } } },
    });
    // Red: its only shard may live on a node that does not exist.
    await call(`${es7.url}/${p}red?wait_for_active_shards=0`, "PUT", {
      settings: { ...SETTINGS, "index.routing.allocation.require._name": "no-such-node" },
    });
    await call(`${es7.url}/${p}closed`, "PUT", { settings: SETTINGS });
    await call(`${es7.url}/${p}closed/_close`, "POST");
    await call(`${es7.url}/_template/${p}legacy`, "PUT", {
      index_patterns: [`${p}logs-*`],
      order: 3,
      settings: { number_of_shards: 1 },
      mappings: { properties: { message: { type: "text" } } },
    });
    await call(`${es7.url}/_component_template/${p}component`, "PUT", {
      template: { mappings: { properties: { host: { type: "keyword" } } } },
    });
    await call(`${es7.url}/_index_template/${p}composable`, "PUT", {
      index_patterns: [`${p}metrics-*`],
      composed_of: [`${p}component`],
      priority: 7,
    });

    const run = await runCli([
      "plan",
      ...endpoints(es7, os2, `${p}*`),
      "--exclude",
      `${p}tmp-*`,
      "--json-detail",
    ]);
    assertEquals(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout);
    assertEquals(plan.source, { url: es7.url, distribution: "elasticsearch", version: "7.10.2" });
    assertEquals(plan.target, { url: os2.url, distribution: "opensearch", version: "2.19.6" });
    assertEquals(plan.indices.create, [`${p}create`]);
    assertEquals(plan.indices.identical_empty, [`${p}empty`]);
    assertEquals(plan.indices.identical, [`${p}same`]);
    assertEquals(plan.indices.partially_filled, [
      { name: `${p}partial`, source_count: 3, target_count: 1 },
    ]);
    assertEquals(plan.indices.conflicting.map((c: { name: string }) => c.name), [`${p}conflict`]);
    const differences = plan.indices.conflicting[0].differences;
    const typeDifference = differences.find((d: { path: string }) =>
      d.path === "mappings.properties.title.type"
    );
    assertEquals([typeDifference?.source, typeDifference?.target], ["text", "keyword"]);
    assert(plan.indices.excluded.includes(`${p}tmp-1`), "the --exclude glob is honoured");
    const unhealthy = Object.fromEntries(
      plan.indices.unhealthy.map((u: { name: string; reason: string }) => [u.name, u.reason]),
    );
    assertMatch(unhealthy[`${p}red`], /^red/);
    assertMatch(unhealthy[`${p}closed`], /^closed/);
    // Templates are cluster-wide: look at this test's own only.
    const own = (names: string[]) => names.filter((name) => name.startsWith(p));
    assertEquals(own(plan.templates.legacy.create), [`${p}legacy`]);
    assertEquals(own(plan.templates.component.create), [`${p}component`]);
    assertEquals(own(plan.templates.index.create), [`${p}composable`]);
    const { primary_bytes: bytes, ...documents } = plan.documents;
    assertEquals(documents, {
      total: 18,
      per_index: { [`${p}create`]: 12, [`${p}empty`]: 3, [`${p}partial`]: 3 },
    });
    // Each index's size on the source's disk, as the text plan shows it.
    assertEquals(Object.keys(bytes).sort(), [`${p}create`, `${p}empty`, `${p}partial`]);
    assert(Object.values(bytes as Record<string, number>).every((n) => n > 0), bytes);
    assertEquals("creations" in plan, false);
  }));

Deno.test("plan es6 -> os2 makes typed mappings typeless and renames old analyzers, naming each rule", () =>
  inScene(["es6", "os2"], "plan6", async ({ es6, os2, p }) => {
    await call(`${es6.url}/${p}typed`, "PUT", {
      settings: {
        ...SETTINGS,
        analysis: {
          tokenizer: { grams: { type: "nGram", min_gram: 2, max_gram: 3 } },
          analyzer: {
            grammy: { type: "custom", tokenizer: "grams", filter: ["standard", "lowercase"] },
          },
        },
      },
      mappings: { tweet: { _all: { enabled: false }, ...MAPPINGS } },
    });
    await addDocuments(es6.url, `${p}typed`, 5, "tweet");
    const run = await runCli(["plan", ...endpoints(es6, os2, `${p}*`)]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(
      run.stderr,
      "Indices to be created in the target cluster (data will be migrated):",
    );
    assertStringIncludes(run.stderr, `  ${p}typed`);
    assertStringIncludes(
      run.stderr,
      "mapping type [tweet] removed; mappings are typeless [remove-mapping-type]",
    );
    assertStringIncludes(run.stderr, "nGram → ngram [rename-analysis-components]");
    assertStringIncludes(run.stderr, "standard token filter dropped");
    assertStringIncludes(run.stderr, "_all removed");
    assertStringIncludes(run.stderr, "Total number of documents to be moved: 5");
    assertEquals(run.stdout, "");
    // A summary first, then only the sections with entries; -v shows them all.
    assertStringIncludes(run.stderr, "Indices: 1 to create");
    assert(
      !/ 0 (identical|conflicting|unsupported)/.test(run.stderr),
      "no zero count: " + run.stderr,
    );
    assert(!run.stderr.includes("(none)"), run.stderr);
    const verbose = await runCli(["-v", "plan", ...endpoints(es6, os2, `${p}*`)]);
    assertStringIncludes(verbose.stderr, "(none)");
  }));

Deno.test("plan reports an ES 6 index with two mapping types as not migratable, with the reason", () =>
  inScene(["es6", "os2"], "plan6m", async ({ es6, os2, p }) => {
    // ES 6 allows several types only in indices created on 5.x; `_default_` is the 6.x case.
    await call(`${es6.url}/${p}defaulted`, "PUT", {
      settings: SETTINGS,
      mappings: {
        _default_: { dynamic: "strict" },
        doc: { properties: { a: { type: "keyword" } } },
      },
    });
    const run = await runCli(["plan", ...endpoints(es6, os2, `${p}*`), "--json"]);
    assertEquals(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout);
    assertEquals(plan.indices.unsupported.map((u: { name: string }) => u.name), [`${p}defaulted`]);
    assertMatch(plan.indices.unsupported[0].reason, /_default_.*remove-mapping-type/);
  }));
