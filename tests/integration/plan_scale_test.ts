/**
 * Planning 3 000 indices: the snapshot must stay a fixed handful of requests (the original tool
 * put every index name in one URL and failed on large clusters). Prints how long it took; speed
 * targets belong in benchmarks, so nothing here asserts a duration.
 */
import { assertEquals } from "../assert.ts";
import { call, cleanUp, endpoints, ensureNodes, runCli, runPrefix } from "./scene.ts";

const COUNT = 3000;
/** Indices created one by one; snapshots restored under new names double them up to COUNT. */
const SEED = COUNT / 8;
const BATCH = 500;

Deno.test(`plan es7 -> os2 with ${COUNT} indices`, async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("scale");
  // A single node holds 1 000 shards by default; a restore starts 4 shards at a time.
  await call(`${es7.url}/_cluster/settings`, "PUT", {
    persistent: {
      "cluster.max_shards_per_node": 10_000,
      "cluster.routing.allocation.node_initial_primaries_recoveries": 200,
    },
  });
  // One shard and no replica each: half the shards, and none left unassigned on one node.
  await call(`${es7.url}/_template/${p}shape`, "PUT", {
    index_patterns: [`${p}*`],
    settings: { number_of_shards: 1, number_of_replicas: 0 },
  });
  const repository = `${es7.url}/_snapshot/${p}repo`;
  try {
    const started = Date.now();
    const how = await createIndices(es7.url, p, repository);
    console.log(
      `created ${COUNT} indices on es7 (${how}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
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
    await removeRepository(repository);
    await call(`${es7.url}/_cluster/settings`, "PUT", {
      persistent: {
        "cluster.max_shards_per_node": null,
        "cluster.routing.allocation.node_initial_primaries_recoveries": null,
      },
    });
  }
});

/**
 * Creates COUNT indices of one document each. Creating an index costs es7 a cluster-state update
 * that grows with the indices it holds (3 000 one by one took 13 to 18 minutes in the suite), so
 * SEED are created and the rest restored from snapshots of them under new names: each restore adds
 * as many indices as exist in one update. A node started without `path.repo` (before the harness
 * set it) creates them one by one.
 */
async function createIndices(url: string, p: string, repository: string): Promise<string> {
  const registered = await fetch(repository, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "fs", settings: { location: repository.split("/").pop() } }),
  });
  const doubling = registered.ok;
  await registered.body?.cancel();
  await indexOnePerIndex(url, p, doubling ? SEED : COUNT);
  if (!doubling) return "one by one: the node has no path.repo; restart it to take the harness's";
  for (let have = SEED, round = 0; have < COUNT; have *= 2, round++) {
    await call(`${repository}/s${round}?wait_for_completion=true`, "PUT", {
      indices: `${p}*`,
      include_global_state: false,
    });
    await call(`${repository}/s${round}/_restore?wait_for_completion=true`, "POST", {
      indices: `${p}*`,
      include_global_state: false,
      rename_pattern: "(.+)",
      rename_replacement: `$1-${round}`,
    });
  }
  return `${SEED} created, doubled by restoring snapshots`;
}

/** One document per index: each bulk auto-creates its indices, in batches with a long timeout. */
async function indexOnePerIndex(url: string, p: string, count: number): Promise<void> {
  for (let first = 0; first < count; first += BATCH) {
    const lines = Array.from({ length: Math.min(BATCH, count - first) }, (_, i) => {
      const name = `${p}${String(first + i).padStart(4, "0")}`;
      return `{"index":{"_index":"${name}","_id":"1"}}\n{"n":${first + i}}\n`;
    }).join("");
    const response = await fetch(`${url}/_bulk?refresh=true&timeout=10m`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines,
    });
    const bulk = await response.json();
    const failure = bulk.items?.find((item: { index: { error?: unknown } }) => item.index.error);
    assertEquals(bulk.errors, false, JSON.stringify(failure));
  }
}

/** Deletes the snapshots (and so their files) and the repository; nothing if none was made. */
async function removeRepository(repository: string): Promise<void> {
  const listed = await fetch(`${repository}/_all`);
  if (!listed.ok) return void await listed.body?.cancel();
  const { snapshots } = await listed.json() as { snapshots: { snapshot: string }[] };
  for (const { snapshot } of snapshots) await call(`${repository}/${snapshot}`, "DELETE");
  await call(repository, "DELETE");
}
