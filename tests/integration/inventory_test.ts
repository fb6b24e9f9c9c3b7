/**
 * Every index and data stream of the source accounted for (issue 18, section 1), on a real
 * OpenSearch 2.19 source holding a data stream of two generations, a plain index, a user's hidden
 * index and a closed one: `plan --json` puts each in one place and its sums are the source's
 * `_cat/indices` (every index) and `_data_stream` counts, with every other shape of the issue
 * beside them (shapes.ts, and an index with an ingest pipeline); a run copies the stream and the
 * shapes, names what it does not migrate and exits 1 for a selected closed index unless it is
 * skipped on request.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  addDocuments,
  bulk,
  call,
  countOf,
  inScene,
  nativeRunArgs,
  refreshedCount,
  runCli,
} from "./scene.ts";
import { moduleShapes, shapes } from "./shapes.ts";

/** A data stream `<p>ds` of two generations (3 then 2 documents), through its template. */
async function dataStream(url: string, p: string): Promise<string> {
  const name = `${p}ds`;
  await call(`${url}/_index_template/${p}ds`, "PUT", {
    index_patterns: [`${name}*`],
    data_stream: {},
    priority: 500,
    template: { settings: { number_of_shards: 1, number_of_replicas: 0 } },
  });
  const docs = (from: number, count: number) =>
    Array.from(
      { length: count },
      (_, i) =>
        `${JSON.stringify({ create: { _id: `e${from + i}` } })}\n` +
        `${JSON.stringify({ "@timestamp": `2026-01-0${1 + from + i}T00:00:00Z`, n: from + i })}\n`,
    )
      .join("");
  await bulk(`${url}/${name}`, docs(0, 3));
  await call(`${url}/${name}/_rollover`, "POST");
  await bulk(`${url}/${name}`, docs(3, 2));
  return name;
}

Deno.test("inventory: a data stream is copied, a hidden and a closed index are named, the plan's sums are the source's, and the run's exit follows the contract", async () => {
  await inScene(["os2", "os3"], "inventory", async ({ os2, os3, p, dir }) => {
    const stream = await dataStream(os2.url, p);
    await addDocuments(os2.url, `${p}plain`, 5);
    await call(`${os2.url}/${p}hidden`, "PUT", {
      settings: { index: { hidden: true, number_of_shards: 1, number_of_replicas: 0 } },
    });
    await addDocuments(os2.url, `${p}hidden`, 2);
    await addDocuments(os2.url, `${p}closed`, 1);
    await call(`${os2.url}/${p}closed/_close`, "POST");
    // Every other shape of issue 18 beside them: sorting, routing partitions, nested, geo,
    // completion, _source excludes, 1 200 fields, aliases, a join field, percolator queries, and
    // an index with a default pipeline.
    const shaped = { ...await shapes(os2, p), ...await moduleShapes(os2, p) };
    await call(`${os2.url}/_ingest/pipeline/${p}tag`, "PUT", {
      processors: [{ set: { field: "tagged", value: true } }],
    });
    await call(`${os2.url}/${p}piped`, "PUT", {
      settings: { index: { number_of_shards: 1, default_pipeline: `${p}tag` } },
    });
    await addDocuments(os2.url, `${p}piped`, 3);

    const planned = await runCli(["plan", "--source", os2.url, "--target", os3.url, "--json"]);
    assertEquals(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout);
    const cat = await call(`${os2.url}/_cat/indices?format=json&expand_wildcards=all`, "GET");
    const streams = await call(`${os2.url}/_data_stream`, "GET");
    const { source, ...parts } = plan.inventory.indices as Record<string, number>;
    assertEquals(source, (cat as unknown as unknown[]).length, "every index of _cat/indices");
    assertEquals(Object.values(parts).reduce((sum, n) => sum + n, 0), source, planned.stdout);
    const { source: streamCount, ...streamParts } = plan.inventory.data_streams;
    assertEquals(streamCount, (streams.data_streams as unknown[]).length);
    assertEquals(
      Object.values(streamParts as Record<string, number>).reduce((sum, n) => sum + n, 0),
      streamCount,
    );
    const entry = plan.data_streams.create.find((s: { name: string }) => s.name === stream);
    assertEquals(entry.backing_indices, [`.ds-${stream}-000001`, `.ds-${stream}-000002`]);
    assertEquals(entry.document_count, 5);
    assertEquals(entry.timestamp_field, "@timestamp");
    assert(
      plan.left_out.some((l: { name: string; flag: string }) =>
        l.name === `${p}hidden` && l.flag === "--include-hidden"
      ),
      "the hidden index is left out with its flag",
    );
    assert(plan.indices.unhealthy.some((u: { name: string }) => u.name === `${p}closed`));
    for (const index of [...Object.values(shaped), `${p}piped`, `${p}plain`]) {
      assert(plan.indices.create.includes(index), `${index} to create`);
    }
    assertEquals(plan.ingest_pipelines.create, [`${p}tag`]);

    const journal = `${dir}/run.json`;
    const run = await runCli(
      nativeRunArgs({ source: os2, target: os3, include: `${p}*`, journal }),
    );
    assertEquals(run.code, 1, `a selected closed index is not migrated: exit 1\n${run.stderr}`);
    assertStringIncludes(run.stderr, `${p}closed`);
    assertStringIncludes(run.stderr, `${p}hidden`);
    assertStringIncludes(run.stderr, "--include-hidden");
    assertEquals(await refreshedCount(os3.url, `${p}plain`), 5, "the plain index is copied");
    assertEquals(await refreshedCount(os3.url, stream), 5, "the data stream is copied");
    for (const index of Object.values(shaped)) {
      assertEquals(
        await refreshedCount(os3.url, index),
        await refreshedCount(os2.url, index),
        index,
      );
    }

    const skipped = await runCli(nativeRunArgs(
      { source: os2, target: os3, include: `${p}*`, journal: `${dir}/again.json` },
      ["--include-hidden", "--skip-unmigratable"],
    ));
    assertEquals(skipped.code, 0, skipped.stderr);
    assertEquals(await countOf(os3.url, `${p}hidden`), 2, "--include-hidden takes it");
  });
});
