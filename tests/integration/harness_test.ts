/**
 * The harness itself: the nodes run what the README says, and os2 has the reindex module the
 * harness builds from Maven Central jars, working for `_reindex` from a remote source.
 */
import { assert, assertEquals } from "../assert.ts";
import { bulk, ensureNodes } from "./scene.ts";

Deno.test("every node runs the distribution and version the README names", async () => {
  const nodes = await ensureNodes(["es6", "es7", "es8", "os1", "os2", "os3"]);
  const seen = Object.fromEntries(
    Object.values(nodes).map((node) => [node.name, `${node.distribution} ${node.version}`]),
  );
  assertEquals(seen, {
    es6: "elasticsearch 6.8.23",
    es7: "elasticsearch 7.10.2",
    es8: "elasticsearch 8.19.21",
    os1: "opensearch 1.3.20",
    os2: "opensearch 2.19.6",
    os3: "opensearch 3.6.0",
  });
  assert(nodes.es6.modules.includes("analysis-common"), "es6 is the full OSS distribution");
});

Deno.test("os2 runs the added reindex module: _reindex from remote es7 copies every document", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  assert(os2.modules.includes("reindex"), `os2 modules: ${os2.modules.join(", ")}`);
  const source = `harness-reindex-src-${Date.now()}`;
  const dest = `harness-reindex-dst-${Date.now()}`;
  const json = (url: string, method: string, body?: unknown) =>
    fetch(url, {
      method,
      headers: { "content-type": body === undefined ? "text/plain" : "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }).then((response) => response.json());
  try {
    await json(`${es7.url}/${source}`, "PUT", { settings: { number_of_replicas: 0 } });
    const lines = Array.from({ length: 25 }, (_, i) => `{"index":{"_id":"d${i}"}}\n{"n":${i}}\n`)
      .join("");
    await bulk(`${es7.url}/${source}`, lines);
    const result = await json(`${os2.url}/_reindex?refresh=true`, "POST", {
      source: { remote: { host: es7.url }, index: source },
      dest: { index: dest },
    });
    assertEquals(result.created, 25, JSON.stringify(result));
    assertEquals((await json(`${os2.url}/${dest}/_count`, "GET")).count, 25);
  } finally {
    await fetch(`${es7.url}/${source}`, { method: "DELETE" }).then((r) => r.body?.cancel());
    await fetch(`${os2.url}/${dest}`, { method: "DELETE" }).then((r) => r.body?.cancel());
  }
});
