/**
 * The snapshot of a cluster read while indices come and go: the whole-cluster answers are read at
 * once, so an index created meanwhile can be listed without its settings; it is read on its own
 * (never planned as an index without settings or mappings), and one deleted meanwhile is left out.
 */
import { assertEquals } from "../assert.ts";
import type { ClusterClient } from "../../src/cluster/client.ts";
import { readSnapshot } from "../../src/metadata/snapshot.ts";

/** A cluster whose whole-cluster answers know `old` only; `made` and `gone` are listed too. */
function raceyCluster(): { client: ClusterClient; asked: string[] } {
  const asked: string[] = [];
  const whole: Record<string, unknown> = {
    "/_cat/indices": [
      { index: "old", health: "green", status: "open" },
      { index: "made", health: "green", status: "open" },
      { index: "gone", health: "green", status: "open" },
    ],
    "/_all/_settings": { old: { settings: { "index.number_of_shards": "1" } } },
    "/_all/_mapping": { old: { mappings: {} } },
    "/_all/_alias": { old: { aliases: {} } },
  };
  const own: Record<string, { status: number; body: unknown }> = {
    "/made/_settings": {
      status: 200,
      body: { made: { settings: { "index.number_of_shards": "3" } } },
    },
    "/made/_mapping": {
      status: 200,
      body: { made: { mappings: { properties: { msg: { type: "keyword" } } } } },
    },
    "/made/_alias": { status: 200, body: { made: { aliases: { current: {} } } } },
    "/gone/_settings": { status: 404, body: { error: { type: "index_not_found_exception" } } },
  };
  const client = {
    url: "http://cluster.test",
    info: () =>
      Promise.resolve({ distribution: "elasticsearch", version: "6.8.23", major: 6, minor: 8 }),
    json: (_method: string, path: string) => {
      asked.push(path);
      const key = Object.keys(whole).find((prefix) => path.startsWith(prefix));
      return Promise.resolve(key ? whole[key] : {});
    },
    request: (_method: string, path: string) => {
      asked.push(path);
      const answer = own[path] ?? { status: 200, body: {} };
      return Promise.resolve({ ...answer, headers: new Headers() });
    },
    httpError: (method: string, path: string) => new Error(`${method} ${path} failed`),
  } as unknown as ClusterClient;
  return { client, asked };
}

Deno.test("readSnapshot: an index the whole-cluster answers missed is read alone; one deleted meanwhile is left out", async () => {
  const { client, asked } = raceyCluster();
  const snapshot = await readSnapshot(client);
  assertEquals(snapshot.indices.map((index) => index.name), ["made", "old"]);
  const made = snapshot.indices.find((index) => index.name === "made")!;
  assertEquals(made.settings, { "index.number_of_shards": "3" });
  assertEquals(made.mappings, { properties: { msg: { type: "keyword" } } });
  assertEquals(Object.keys(made.aliases), ["current"]);
  // Only the missed indices are read alone, never `old`.
  assertEquals(asked.filter((path) => /^\/(old|made|gone)\//.test(path)), [
    "/made/_settings",
    "/made/_mapping",
    "/made/_alias",
    "/gone/_settings",
  ]);
});
