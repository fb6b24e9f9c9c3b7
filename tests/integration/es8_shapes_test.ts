/**
 * Elasticsearch 8 shapes OpenSearch does not have (issue 18, section 4), 8.19 -> OpenSearch 2.19:
 * a time-series index (`index.mode: time_series`, `routing_path`, dimension and metric fields)
 * and an index with synthetic `_source`. The plan names what changes on the way (the rules
 * `time-series-to-plain` and `synthetic-source-to-stored`), the run creates both and copies every
 * document (exit 0), and `verify --checksums` is equal: the target holds what the source returns,
 * a synthetic document as the source rebuilds it (its keyword array sorted and de-duplicated).
 */
import { assert, assertEquals } from "../assert.ts";
import {
  assertVerified,
  bulk,
  call,
  inScene,
  nativeRunArgs,
  refreshedCount,
  runCli,
} from "./scene.ts";

Deno.test("es8 -> os2: a time-series index and a synthetic _source index arrive, the rules named, verify equal", () =>
  inScene(["es8", "os2"], "es8shapes", async ({ es8, os2, p, dir }) => {
    const tsdb = `${p}tsdb`;
    const synthetic = `${p}synthetic`;
    await call(`${es8.url}/${tsdb}`, "PUT", {
      settings: {
        "index.mode": "time_series",
        "index.routing_path": ["host"],
        number_of_shards: 2,
        number_of_replicas: 0,
      },
      mappings: {
        properties: {
          "@timestamp": { type: "date" },
          host: { type: "keyword", time_series_dimension: true },
          cpu: { type: "double", time_series_metric: "gauge" },
        },
      },
    });
    // Within the index's accepted time range: the last few minutes.
    const now = Date.now();
    await bulk(
      `${es8.url}/${tsdb}`,
      Array.from({ length: 200 }, (_, i) =>
        `${JSON.stringify({ create: {} })}\n${
          JSON.stringify({
            "@timestamp": new Date(now - i * 1000).toISOString(),
            host: `host-${i % 4}`,
            cpu: i / 200,
          })
        }\n`).join(""),
    );
    await call(`${es8.url}/${synthetic}`, "PUT", {
      settings: {
        "index.mapping.source.mode": "synthetic",
        number_of_shards: 1,
        number_of_replicas: 0,
      },
      mappings: { properties: { tags: { type: "keyword" }, n: { type: "long" } } },
    });
    await bulk(
      `${es8.url}/${synthetic}`,
      Array.from(
        { length: 50 },
        (_, i) =>
          `${JSON.stringify({ index: { _id: `s${i}` } })}\n${
            JSON.stringify({ tags: ["b", "a", "b"], n: i })
          }\n`,
      ).join(""),
    );

    const planned = await runCli([
      "plan",
      "--source",
      es8.url,
      "--target",
      os2.url,
      "--include",
      `${p}*`,
      "--json",
    ]);
    assertEquals(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout);
    assertEquals(plan.indices.create, [synthetic, tsdb]);
    const rules = (subject: string) =>
      plan.transformations
        .filter((t: { subject: string }) => t.subject === subject)
        .map((t: { rule: string }) => t.rule);
    assert(rules(tsdb).includes("time-series-to-plain"), JSON.stringify(rules(tsdb)));
    assert(
      rules(synthetic).includes("synthetic-source-to-stored"),
      JSON.stringify(rules(synthetic)),
    );

    const run = await runCli(
      nativeRunArgs({ source: es8, target: os2, include: `${p}*`, journal: `${dir}/run.json` }),
    );
    assertEquals(run.code, 0, run.stderr);
    assertEquals(await refreshedCount(os2.url, tsdb), 200);
    assertEquals(await refreshedCount(os2.url, synthetic), 50);
    const copied = await call(`${os2.url}/${synthetic}/_doc/s7`, "GET") as {
      _source: { tags: string[] };
    };
    assertEquals(copied._source.tags, ["a", "b"], "as the source rebuilt it");
    await assertVerified(es8, os2, p);
  }));
