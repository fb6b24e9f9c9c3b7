/**
 * Ingest pipelines (issue 18, section 3). An Elasticsearch 6.8 index with a default pipeline
 * (appends a tag) and a final pipeline (appends a mark), migrated to OpenSearch 3.6: the plan
 * lists both pipelines, the run creates them before the index, and copied documents are processed
 * by neither a second time (`pipeline=_none` for the default one; the final one is off while
 * the copy runs and put back at its end), so `verify --checksums` is equal; a document written to
 * the target afterwards goes through both. The same for an Elasticsearch 6.8 index's default
 * pipeline. To OpenSearch 1.3, whose nodes lack `append`, the pipeline is named as not migratable
 * and the run exits 1 saying why.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  assertNoStackTrace,
  assertVerified,
  bulk,
  call,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  runCli,
  spawnCli,
  waitForCopied,
} from "./scene.ts";

/** Appends `value` to `field`: run twice, a document would hold it twice. */
const appending = (field: string, value: string) => ({
  processors: [{ append: { field, value: [value] } }],
});

/**
 * `<p>tagged` on `node` with 50 documents: default pipeline `<p>tag`, and with `final` (from
 * Elasticsearch 7.5 and OpenSearch 1.0) final pipeline `<p>mark`.
 */
async function taggedIndex(node: NodeHandle, p: string, final: boolean): Promise<string> {
  await call(`${node.url}/_ingest/pipeline/${p}tag`, "PUT", appending("tags", "p"));
  if (final) await call(`${node.url}/_ingest/pipeline/${p}mark`, "PUT", appending("marks", "f"));
  const index = `${p}tagged`;
  const typed = node.name === "es6";
  const properties = { n: { type: "integer" } };
  await call(`${node.url}/${index}`, "PUT", {
    settings: {
      index: {
        number_of_shards: 1,
        default_pipeline: `${p}tag`,
        ...(final ? { final_pipeline: `${p}mark` } : {}),
      },
    },
    mappings: typed ? { _doc: { properties } } : { properties },
  });
  const lines = Array.from(
    { length: 50 },
    (_, i) =>
      `${JSON.stringify({ index: { ...(typed ? { _type: "_doc" } : {}), _id: `d${i}` } })}\n${
        JSON.stringify({ n: i })
      }\n`,
  ).join("");
  await bulk(`${node.url}/${index}`, lines);
  return index;
}

/** Removes the pipelines of prefix `p` from the nodes (they are not indices: cleanUp misses them). */
async function dropPipelines(urls: string[], p: string) {
  for (const url of urls) {
    for (const id of [`${p}tag`, `${p}mark`]) {
      await fetch(`${url}/_ingest/pipeline/${id}`, { method: "DELETE" }).then((r) =>
        r.body?.cancel()
      );
    }
  }
}

Deno.test("default and final ingest pipelines: created on the target, not applied again to copied documents, applied to new writes (os2 -> os3)", async () => {
  await inScene(["os2", "os3"], "ingest", async ({ os2, os3, p, journal }) => {
    assert(
      os2.modules.includes("ingest-common"),
      "os2 has no ingest-common module: the harness adds it from Maven Central " +
        "(org.opensearch.plugin:ingest-common:2.19.6); see why it did not in os2's start output",
    );
    try {
      const index = await taggedIndex(os2, p, true);
      const planned = await runCli([
        "plan",
        "--source",
        os2.url,
        "--target",
        os3.url,
        "--include",
        index,
        "--json",
      ]);
      assertEquals(planned.code, 0, planned.stderr);
      assertEquals(JSON.parse(planned.stdout).ingest_pipelines.create, [`${p}mark`, `${p}tag`]);

      const run = await runCli(
        nativeRunArgs({ source: os2, target: os3, include: index, journal }),
      );
      assertEquals(run.code, 0, run.stderr);
      const copied = await call(`${os3.url}/${index}/_doc/d7`, "GET") as {
        _source: { tags: string[]; marks: string[] };
      };
      assertEquals(copied._source.tags, ["p"], "the default pipeline ran once, on the source");
      assertEquals(copied._source.marks, ["f"], "the final pipeline ran once, on the source");
      await assertVerified(os2, os3, p);

      const settings = await call(
        `${os3.url}/${index}/_settings?flat_settings=true`,
        "GET",
      ) as Record<
        string,
        { settings: Record<string, string> }
      >;
      assertEquals(settings[index].settings["index.final_pipeline"], `${p}mark`, "put back");
      await call(`${os3.url}/${index}/_doc/new?refresh=true`, "PUT", { n: 99 });
      const fresh = await call(`${os3.url}/${index}/_doc/new`, "GET") as {
        _source: { tags: string[]; marks: string[] };
      };
      assertEquals([fresh._source.tags, fresh._source.marks], [["p"], ["f"]], "new writes");

      const rollback = await runCli([
        "rollback",
        "--journal",
        journal,
        "--target",
        os3.url,
        "--yes",
      ]);
      assertEquals(rollback.code, 0, rollback.stderr);
      const gone = await fetch(`${os3.url}/_ingest/pipeline/${p}tag`);
      await gone.body?.cancel();
      assertEquals(gone.status, 404, "rollback deletes the pipelines the run created");
    } finally {
      await dropPipelines([os2.url, os3.url], p);
    }
  });
});

Deno.test("a default ingest pipeline (es6 -> os3): created by the run, not applied again to copied documents", async () => {
  await inScene(["es6", "os3"], "ingest6", async ({ es6, os3, p, journal }) => {
    try {
      const index = await taggedIndex(es6, p, false);
      const run = await runCli(
        nativeRunArgs({ source: es6, target: os3, include: index, journal }),
      );
      assertEquals(run.code, 0, run.stderr);
      const copied = await call(`${os3.url}/${index}/_doc/d7`, "GET") as {
        _source: { tags: string[] };
      };
      assertEquals(copied._source.tags, ["p"], "processed once, on the source");
      await assertVerified(es6, os3, p);
    } finally {
      await dropPipelines([es6.url, os3.url], p);
    }
  });
});

Deno.test("ingest pipelines with a processor the target lacks: named as not migratable with the processor, exit 1 (es6 -> os1)", async () => {
  await inScene(["es6", "os1"], "ingestno", async ({ es6, os1, p, journal }) => {
    try {
      const index = await taggedIndex(es6, p, false);
      const run = await runCli(
        nativeRunArgs({ source: es6, target: os1, include: index, journal }),
      );
      assertEquals(run.code, 1, run.stderr);
      assertStringIncludes(run.stderr, `ingest pipeline ${p}tag`);
      assertStringIncludes(run.stderr, "processor append is not on the target");
      assertNoStackTrace(run.stderr);
    } finally {
      await dropPipelines([es6.url, os1.url], p);
    }
  });
});

Deno.test("kill -9 while a final pipeline is off: the journal holds it, the same command finishes and puts it back (os2 -> os3)", async () => {
  await inScene(["os2", "os3"], "ingestkill", async ({ os2, os3, p, journal }) => {
    assert(
      os2.modules.includes("ingest-common"),
      "os2 has no ingest-common module (see its start)",
    );
    try {
      await call(`${os2.url}/_ingest/pipeline/${p}mark`, "PUT", appending("marks", "f"));
      const index = `${p}big`;
      await call(`${os2.url}/${index}`, "PUT", {
        settings: { index: { number_of_shards: 1, final_pipeline: `${p}mark` } },
      });
      for (let at = 0; at < 20_000; at += 5000) {
        await bulk(
          `${os2.url}/${index}`,
          Array.from(
            { length: 5000 },
            (_, i) =>
              `${JSON.stringify({ index: { _id: `d${at + i}` } })}\n${
                JSON.stringify({ n: at + i })
              }\n`,
          )
            .join(""),
        );
      }
      const args = nativeRunArgs({ source: os2, target: os3, include: index, journal }, [
        "--concurrency",
        "1",
        "--batch-bytes",
        "8kb",
      ]);
      const child = spawnCli(args);
      await waitForCopied(journal, 1000);
      child.kill("SIGKILL");
      await finished(child);
      const finalOf = async () =>
        (await call(`${os3.url}/${index}/_settings?flat_settings=true`, "GET") as Record<
          string,
          { settings: Record<string, string> }
        >)[index].settings["index.final_pipeline"];
      assertEquals(await finalOf(), "_none", "off while the copy was running");
      const again = await runCli(args);
      assertEquals(again.code, 0, again.stderr);
      assertEquals(await finalOf(), `${p}mark`, "put back by the run that finished");
      await assertVerified(os2, os3, p);
    } finally {
      await dropPipelines([os2.url, os3.url], p);
    }
  });
});
