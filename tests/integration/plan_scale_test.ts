/**
 * Planning 3 000 indices: the snapshot must stay a fixed handful of requests (the original tool
 * put every index name in one URL and failed on large clusters). Prints how long it took; speed
 * targets belong in benchmarks, so nothing here asserts a duration.
 */
import { assertEquals } from "../assert.ts";
import { call, cleanUp, endpoints, ensureNodes, runCli, runPrefix } from "./scene.ts";

const COUNT = 3000;
const BATCH = 500;

Deno.test(`plan es7 -> os2 with ${COUNT} indices`, async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("scale");
  // A single node holds 1 000 shards by default.
  await call(`${es7.url}/_cluster/settings`, "PUT", {
    persistent: { "cluster.max_shards_per_node": 10_000 },
  });
  // One shard and no replica each: half the shards, and none left unassigned on one node.
  await call(`${es7.url}/_template/${p}shape`, "PUT", {
    index_patterns: [`${p}*`],
    settings: { number_of_shards: 1, number_of_replicas: 0 },
  });
  try {
    const started = Date.now();
    // One document per index: each bulk auto-creates its indices. Batches with a raised timeout
    // give the two-core node time to create them.
    for (let first = 0; first < COUNT; first += BATCH) {
      const lines = Array.from({ length: Math.min(BATCH, COUNT - first) }, (_, i) => {
        const name = `${p}${String(first + i).padStart(4, "0")}`;
        return `{"index":{"_index":"${name}","_id":"1"}}\n{"n":${first + i}}\n`;
      }).join("");
      const response = await fetch(`${es7.url}/_bulk?refresh=true&timeout=10m`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: lines,
      });
      const bulk = await response.json();
      const failure = bulk.items?.find((item: { index: { error?: unknown } }) => item.index.error);
      assertEquals(bulk.errors, false, JSON.stringify(failure));
    }
    console.log(
      `created ${COUNT} indices on es7 in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const planStarted = Date.now();
    const run = await runCli(["plan", ...endpoints(es7, os2, `${p}*`), "--json"]);
    const seconds = (Date.now() - planStarted) / 1000;
    assertEquals(run.code, 0, run.stderr);
    const plan = JSON.parse(run.stdout);
    assertEquals(plan.indices.create.length, COUNT);
    assertEquals(plan.documents.total, COUNT);
    console.log(
      `planned ${COUNT} indices (es7 -> os2) in ${seconds.toFixed(1)} s, CLI start included`,
    );
  } finally {
    await cleanUp([es7.url], p);
    await call(`${es7.url}/_cluster/settings`, "PUT", {
      persistent: { "cluster.max_shards_per_node": null },
    });
  }
});
