/**
 * Data streams copied generation by generation (issue 18, section 2), OpenSearch 2.19 → 3.6 and
 * 1.3 → 2.19: the stream's template, then the stream, then each source backing index into the
 * target stream (`op_type: create`), the target rolled over in between, so the target's k-th
 * backing index holds the source's k-th. `verify --checksums` compares the stream across its
 * backing indices; a document written to the target afterwards lands in its write index;
 * rollback deletes the stream. A run killed (SIGKILL) part way continues where it stopped,
 * without an extra generation and without losing or doubling a document.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { dataPrepperHomeForTests } from "../harness/dataprepper.ts";
import {
  assertNoStackTrace,
  assertVerified,
  bulk,
  call,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  pipelineYaml,
  refreshedCount,
  runCli,
  spawnCli,
  waitForJournal,
} from "./scene.ts";

/**
 * A data stream `<p>logs` on `url` (two shards per backing index) whose generations hold
 * `sizes[k]` documents each, rolled over between two; returns its name.
 */
async function dataStream(
  url: string,
  p: string,
  sizes: number[],
  name = `${p}logs`,
): Promise<string> {
  await call(`${url}/_index_template/${name}`, "PUT", {
    index_patterns: [`${name}*`],
    data_stream: {},
    priority: 500,
    template: {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
      mappings: { properties: { message: { type: "keyword" }, n: { type: "long" } } },
    },
  });
  for (const [generation, size] of sizes.entries()) {
    if (generation > 0) await call(`${url}/${name}/_rollover`, "POST");
    for (let at = 0; at < size; at += 5000) {
      const lines = Array.from({ length: Math.min(5000, size - at) }, (_, i) => {
        const n = at + i;
        const day = String(1 + (n % 28)).padStart(2, "0");
        return `${JSON.stringify({ create: { _id: `g${generation}-${n}` } })}\n` +
          `${
            JSON.stringify({
              "@timestamp": `2026-0${generation + 1}-${day}T00:00:00Z`,
              message: `generation ${generation}`,
              n,
            })
          }\n`;
      }).join("");
      await bulk(`${url}/${name}`, lines);
    }
  }
  return name;
}

/** A stream's backing indices on `url`, oldest first. */
async function backingIndices(url: string, stream: string): Promise<string[]> {
  const answer = await call(`${url}/_data_stream/${stream}`, "GET") as {
    data_streams: Array<{ indices: Array<{ index_name: string }> }>;
  };
  return answer.data_streams[0].indices.map((index) => index.index_name);
}

/** Documents of each backing index of `stream` on `url`, oldest first. */
async function generationCounts(url: string, stream: string): Promise<number[]> {
  const counts: number[] = [];
  for (const index of await backingIndices(url, stream)) {
    counts.push(await refreshedCount(url, index));
  }
  return counts;
}

/** The run, verify, a new document and rollback of one pair. */
async function copiesGenerations(source: NodeHandle, target: NodeHandle, p: string, dir: string) {
  const sizes = [1500, 7, 1200];
  const stream = await dataStream(source.url, p, sizes);
  const journal = `${dir}/run.json`;
  const planned = await runCli(["plan", "--source", source.url, "--target", target.url]);
  assertEquals(planned.code, 0, planned.stderr);
  assertStringIncludes(planned.stderr, `${stream} (template ${p}logs, @timestamp): 3 backing`);

  const run = await runCli(nativeRunArgs({ source, target, include: stream, journal }));
  assertEquals(run.code, 0, `run of the stream:\n${run.stderr}`);
  assertEquals(await generationCounts(target.url, stream), sizes, "documents per generation");
  await assertVerified(source, target, p);

  // Written afterwards, as an application would: it lands in the target's write index.
  await call(`${target.url}/${stream}/_doc?refresh=true`, "POST", {
    "@timestamp": "2026-12-01T00:00:00Z",
    message: "after the migration",
  });
  assertEquals(await generationCounts(target.url, stream), [...sizes.slice(0, 2), sizes[2] + 1]);

  const rollback = await runCli([
    "rollback",
    "--journal",
    journal,
    "--target",
    target.url,
    "--yes",
  ]);
  assertEquals(rollback.code, 0, rollback.stderr);
  const gone = await fetch(`${target.url}/_data_stream/${stream}`);
  await gone.body?.cancel();
  assertEquals(gone.status, 404, "rollback deletes the stream it created");
}

Deno.test("data stream OpenSearch 2.19 -> 3.6: every generation arrives in its own backing index, verify equal, rollback deletes it", () =>
  inScene(["os2", "os3"], "ds", ({ os2, os3, p, dir }) => copiesGenerations(os2, os3, p, dir)));

Deno.test("data stream OpenSearch 1.3 -> 2.19: every generation arrives in its own backing index, verify equal, rollback deletes it", () =>
  inScene(["os1", "os2"], "ds", ({ os1, os2, p, dir }) => copiesGenerations(os1, os2, p, dir)));

Deno.test("data stream: a run killed (SIGKILL) in its second generation continues without an extra generation or a lost document", () =>
  inScene(["os2", "os3"], "dskill", async ({ os2, os3, p, dir }) => {
    const sizes = [3000, 4000, 10];
    const stream = await dataStream(os2.url, p, sizes);
    const journal = `${dir}/run.json`;
    // Small bulks one at a time: the copy takes long enough to be killed in generation 2.
    const args = nativeRunArgs({ source: os2, target: os3, include: stream, journal }, [
      "--concurrency",
      "1",
      "--batch-bytes",
      "8kb",
    ]);
    const child = spawnCli(args);
    await waitForJournal(journal, "documents of the second generation", (state) => {
      const units = (state.backfill as { units?: Array<{ source?: string; copied: number }> })
        ?.units ?? [];
      return units.some((unit) => unit.source?.endsWith("-000002") && unit.copied > 0);
    });
    child.kill("SIGKILL");
    await finished(child);
    const before = await generationCounts(os3.url, stream);
    assertEquals(before.length, 2, "killed while writing the second generation");
    assert(before[1] < sizes[1], `the second generation was not whole yet: ${before}`);

    const again = await runCli(args);
    assertEquals(again.code, 0, `the same command continues:\n${again.stderr}`);
    assertStringIncludes(again.stderr, "continu");
    assertEquals(await generationCounts(os3.url, stream), sizes, "documents per generation");
    await assertVerified(os2, os3, p);
  }));

Deno.test("data stream: sync and the Data Prepper engine refuse it by name before anything is created", () =>
  inScene(["os2", "os3"], "dsrefuse", async ({ os2, os3, p, dir }) => {
    const stream = await dataStream(os2.url, p, [5]);
    const { home, kind } = await dataPrepperHomeForTests();
    console.log(`Data Prepper home: ${kind} (${home})`);
    const pair = ["--source", os2.url, "--target", os3.url, "--include", stream];
    const pipeline = `${dir}/pipeline.yaml`;
    await Deno.writeTextFile(
      pipeline,
      pipelineYaml({
        source: os2,
        sourceSettings: { disable_authentication: true },
        regex: `${stream}.*`,
        target: os3,
        sinkSettings: { disable_authentication: true },
      }),
    );
    const refusals = [
      { hint: "sync does not follow", args: ["sync", ...pair, "--journal", `${dir}/sync.json`] },
      {
        hint: "Data Prepper engine",
        args: ["run", home, pipeline, "4931", "--insecure"],
      },
    ];
    for (const { hint, args } of refusals) {
      const refused = await runCli(args);
      assertEquals(refused.code, 2, `${args.join(" ")}:\n${refused.stderr}`);
      assertStringIncludes(refused.stderr, hint);
      assertStringIncludes(refused.stderr, stream);
      assertNoStackTrace(refused.stderr);
      const created = await fetch(`${os3.url}/_data_stream/${stream}`);
      await created.body?.cancel();
      assertEquals(created.status, 404, `nothing created by ${args[0]}`);
    }
  }));

Deno.test("data streams with --part 1/2 and 2/2 at once: each stream copied whole by one part, generations kept, verify equal", () =>
  inScene(["os2", "os3"], "dsparts", async ({ os2, os3, p, dir }) => {
    const streams = [];
    for (const [at, sizes] of [[800, 5], [300, 600], [10, 20, 30]].entries()) {
      streams.push({ name: await dataStream(os2.url, p, sizes, `${p}s${at}`), sizes });
    }
    const parts = ["1/2", "2/2"].map((part) =>
      spawnCli(
        nativeRunArgs({
          source: os2,
          target: os3,
          include: `${p}*`,
          journal: `${dir}/part-${part[0]}.json`,
        }, ["--part", part]),
        { stderr: "piped" },
      )
    );
    const results = await Promise.all(parts.map((child) => finished(child, 300)));
    for (const result of results) assertEquals(result.code, 0, result.stderr);
    for (const { name, sizes } of streams) {
      assertEquals(await generationCounts(os3.url, name), sizes, `${name} per generation`);
    }
    await assertVerified(os2, os3, p);
  }));
