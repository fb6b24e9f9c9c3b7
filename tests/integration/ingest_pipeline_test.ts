/**
 * Copied documents are never processed twice (issue 18, section 3): an Elasticsearch 6.8 index
 * whose default pipeline appends a tag, copied to OpenSearch 3.6 where the same pipeline exists,
 * arrives as it is on the source (`verify --checksums` equal), and a document written to the
 * target afterwards still goes through the pipeline.
 */
import { assertEquals } from "../assert.ts";
import { assertVerified, bulk, call, inScene, nativeRunArgs, runCli } from "./scene.ts";

/** A pipeline appending "p" to `tags`: run twice, a document would hold ["p", "p"]. */
const APPEND_TAG = { processors: [{ append: { field: "tags", value: ["p"] } }] };

Deno.test("a default ingest pipeline is not applied again to copied documents (es6 -> os3); new writes still go through it", async () => {
  await inScene(["es6", "os3"], "ingest", async ({ es6, os3, p, journal }) => {
    const pipeline = `${p}append-tag`;
    const index = `${p}tagged`;
    for (const url of [es6.url, os3.url]) {
      await call(`${url}/_ingest/pipeline/${pipeline}`, "PUT", APPEND_TAG);
    }
    try {
      await call(`${es6.url}/${index}`, "PUT", {
        settings: { index: { number_of_shards: 1, default_pipeline: pipeline } },
        mappings: { _doc: { properties: { n: { type: "integer" } } } },
      });
      const lines = Array.from(
        { length: 50 },
        (_, i) =>
          `${JSON.stringify({ index: { _type: "_doc", _id: `d${i}` } })}\n${
            JSON.stringify({ n: i })
          }\n`,
      )
        .join("");
      await bulk(`${es6.url}/${index}`, lines);
      const run = await runCli(
        nativeRunArgs({ source: es6, target: os3, include: index, journal }),
      );
      assertEquals(run.code, 0, run.stderr);
      const copied = await call(`${os3.url}/${index}/_doc/d7`, "GET");
      assertEquals(
        (copied._source as { tags: string[] }).tags,
        ["p"],
        "processed once, on the source",
      );
      await assertVerified(es6, os3, p);
      await call(`${os3.url}/${index}/_doc/new?refresh=true`, "PUT", { n: 99 });
      const fresh = await call(`${os3.url}/${index}/_doc/new`, "GET");
      assertEquals((fresh._source as { tags: string[] }).tags, ["p"], "new writes are processed");
    } finally {
      for (const url of [es6.url, os3.url]) {
        await fetch(`${url}/${index}`, { method: "DELETE" }).then((r) => r.body?.cancel());
        await fetch(`${url}/_ingest/pipeline/${pipeline}`, { method: "DELETE" })
          .then((r) => r.body?.cancel());
      }
    }
  });
});
