/**
 * The native engine against real clusters: every source version into os2 followed by
 * `verify --checksums`, a 429 storm from a target with a tiny write queue, `kill -9` in the
 * middle then a re-run, a document the target refuses, and `--tune-target` restoring settings.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  assertVerified,
  bulk,
  call,
  cleanUp,
  countOf,
  endpoints,
  ensureNodes,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  pipelineYaml,
  proxyLogin,
  runCli,
  runPrefix,
  spawnCli,
  waitForCopied,
} from "./scene.ts";

function isEs6(node: NodeHandle): boolean {
  return node.distribution === "elasticsearch" && node.version.startsWith("6.");
}

/** Varied documents: routing on some, nested objects, a long past 2^53, unicode. */
function documentLines(node: NodeHandle, index: string, count: number, first = 0): string {
  const lines: string[] = [];
  for (let i = first; i < first + count; i++) {
    const meta: Record<string, string> = { _index: index, _id: `doc-${i}` };
    if (isEs6(node)) meta._type = "doc";
    if (i % 5 === 0) meta.routing = `user-${i % 3}`;
    lines.push(JSON.stringify({ index: meta }));
    // Written by hand so the long keeps all its digits on the way in.
    lines.push(
      `{"n":${i},"big":${12345678901234567n + BigInt(i)},"title":"document ${i} – é ✓",` +
        `"tags":["a","b${i % 7}"],"author":{"name":"user-${i % 3}","age":${20 + (i % 50)}},` +
        `"at":"2026-01-0${1 + (i % 9)}T00:00:00Z"}`,
    );
  }
  return lines.join("\n") + "\n";
}

const MAPPINGS = {
  properties: {
    n: { type: "integer" },
    big: { type: "long" },
    title: { type: "text", fields: { raw: { type: "keyword" } } },
    tags: { type: "keyword" },
    author: { type: "nested", properties: { name: { type: "keyword" }, age: { type: "integer" } } },
    at: { type: "date" },
  },
};

/** Creates `index` on `node` with `shards` shards and loads `count` documents. */
async function sourceIndex(
  node: NodeHandle,
  index: string,
  count: number,
  options: { shards?: number; settings?: Record<string, unknown> } = {},
): Promise<void> {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: options.shards ?? 2, number_of_replicas: 0, ...options.settings },
    mappings: isEs6(node) ? { doc: MAPPINGS } : MAPPINGS,
  });
  for (let first = 0; first < count; first += 5000) {
    await bulk(node.url, documentLines(node, index, Math.min(5000, count - first), first), false);
  }
  await call(`${node.url}/${index}/_refresh`, "POST");
}

for (const name of ["es6", "es7", "es8", "os1", "os3"] as const) {
  Deno.test(`native engine ${name} -> os2, then verify --checksums`, () =>
    inScene([name, "os2"], `bf-${name}`, async (scene) => {
      const { os2, p, journal } = scene;
      const source = scene[name];
      await sourceIndex(source, `${p}docs`, 3000);
      await sourceIndex(source, `${p}empty`, 0, { shards: 1 });
      // os3 into os2 is a migration to an older release: run refuses it unless asked.
      const older = name === "os3" ? ["--allow-older-target"] : [];
      const run = await runCli(
        nativeRunArgs({ source, target: os2, include: `${p}*`, journal }, ["--json", ...older]),
      );
      assertEquals(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout);
      assertEquals(result.documents.expected, 3000);
      assertEquals(result.documents.copied, 3000);
      assertEquals(result.documents.dead_lettered, 0);
      assertStringIncludes(run.stderr, "3,000 of 3,000 documents on the target");
      assertEquals(await countOf(os2.url, `${p}docs`), 3000);
      assertEquals(await countOf(os2.url, `${p}empty`), 0);
      // Routing and every digit of the long arrive as they were.
      const doc = await call(`${os2.url}/${p}docs/_doc/doc-10?routing=user-1`, "GET");
      assertEquals(doc._routing, "user-1");
      const raw = await (await fetch(`${os2.url}/${p}docs/_source/doc-10?routing=user-1`)).text();
      assertStringIncludes(raw, `"big":12345678901234577`);
      await assertVerified(source, os2, p);
    }));
}

Deno.test("native engine survives a 429 storm from a tiny write queue, losing nothing", () =>
  inScene(["es7", "os3"], "bf-429", async ({ es7, os3, p, journal }) => {
    await sourceIndex(es7, `${p}storm`, 20_000, { shards: 3 });
    const run = await runCli(
      nativeRunArgs({ source: es7, target: os3, include: `${p}*`, journal }, [
        "--concurrency",
        "16",
        "--slices",
        "6",
        "--batch-bytes",
        "128kb",
        "--json",
      ]),
    );
    assertEquals(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    // os3 runs one write thread with four queued tasks: sixteen requests in flight must be
    // pushed back, and the engine must have slowed down and sent the refused items again.
    assert(
      result.documents.retried > 0,
      "no push-back seen: os3 must run with thread_pool.write.size 1 and queue_size 4 (a node " +
        "started by an older harness lacks them: deno task clusters down os3, then up os3)\n" +
        run.stdout,
    );
    assertEquals(result.documents.dead_lettered, 0);
    assertEquals(await countOf(os3.url, `${p}storm`), 20_000);
    await assertVerified(es7, os3, p);
  }));

Deno.test("kill -9 in the middle, then the same command continues and reads less", () =>
  inScene(["es7", "os2"], "bf-kill", async ({ es7, os2, p, journal }) => {
    const total = 30_000;
    await sourceIndex(es7, `${p}big`, total, { shards: 2 });
    const args = nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal }, [
      "--slices",
      "2",
      "--page-size",
      "500",
    ]);
    const child = spawnCli([...args, "--max-docs-per-second", "2500"]);
    // Kill at a random point between 10% and 60% of the way.
    const killAt = Math.floor(total * (0.1 + Math.random() * 0.5));
    await waitForCopied(journal, killAt);
    child.kill("SIGKILL");
    const status = await child.status;
    assertEquals(status.signal, "SIGKILL");

    const rerun = await runCli([...args, "--json"]);
    assertEquals(rerun.code, 0, rerun.stderr);
    assertStringIncludes(rerun.stderr, "continuing run");
    const result = JSON.parse(rerun.stdout);
    assertEquals(result.resumed, true);
    assert(
      result.documents.read_this_run < total,
      `the re-run read ${result.documents.read_this_run} of ${total}: it did not resume`,
    );
    assert(result.documents.read_this_run <= total - killAt + 2 * 500 * 2);
    assertEquals(await countOf(os2.url, `${p}big`), total);
    await assertVerified(es7, os2, p);
  }));

Deno.test("a document the target refuses goes to the dead-letter file, exit 1", async () => {
  const { es7, os3 } = await ensureNodes(["es7", "os3"]);
  const p = runPrefix("bf-dlq");
  const pipeline = `${p}pipeline`;
  const directory = await Deno.makeTempDir();
  const journal = `${directory}/run.json`;
  const deadLetters = `${directory}/dead.ndjson`;
  try {
    // On the target a pipeline refuses one document, as a real ingest rule would: the final
    // pipeline the target's own template gives the index. The source never ran it, so the copy
    // goes through it (only pipelines the source ran are skipped).
    await call(`${os3.url}/_ingest/pipeline/${pipeline}`, "PUT", {
      processors: [{ fail: { if: "ctx.title == 'poison'", message: "poison document refused" } }],
    });
    await call(`${os3.url}/_index_template/${p}target-only`, "PUT", {
      index_patterns: [`${p}in`],
      priority: 1000,
      template: { settings: { "index.final_pipeline": pipeline } },
    });
    await call(`${es7.url}/${p}in`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    const lines = Array.from(
      { length: 50 },
      (_, i) =>
        `{"index":{"_index":"${p}in","_id":"d${i}"}}\n{"title":"${
          i === 17 ? "poison" : `ok ${i}`
        }"}\n`,
    ).join("");
    await bulk(es7.url, lines);
    const run = await runCli(
      nativeRunArgs({ source: es7, target: os3, include: `${p}*`, journal }, [
        "--dead-letter",
        deadLetters,
        "--max-attempts",
        "2",
      ]),
    );
    assertEquals(run.code, 1, run.stderr);
    assertStringIncludes(
      run.stderr,
      `1 document refused by the target, in ${deadLetters}`,
    );
    const letters = (await Deno.readTextFile(deadLetters)).trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    assertEquals(letters.length, 1);
    assertEquals(letters[0].index, `${p}in`);
    assertEquals(letters[0].id, "d17");
    assertMatch(letters[0].reason, /poison document refused/);
    assertEquals(letters[0].source, { title: "poison" });
    assertEquals((await Deno.stat(deadLetters)).mode! & 0o777, 0o600);
    assertEquals(await countOf(os3.url, `${p}in`), 49);
  } finally {
    await cleanUp([es7.url, os3.url], p);
    await fetch(`${os3.url}/_ingest/pipeline/${pipeline}`, { method: "DELETE" }).then((r) =>
      r.text()
    );
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  }
});

Deno.test("--tune-target loads with refresh off and no replicas, then restores both", () =>
  inScene(["es7", "os2"], "bf-tune", async ({ es7, os2, p, journal }) => {
    await sourceIndex(es7, `${p}tuned`, 2000, {
      shards: 1,
      settings: { number_of_replicas: 1, refresh_interval: "7s" },
    });
    const run = await runCli(
      nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal }, ["--tune-target"]),
    );
    assertEquals(run.code, 0, run.stderr);
    const settings = await call(
      `${os2.url}/${p}tuned/_settings?flat_settings=true`,
      "GET",
    ) as Record<string, { settings: Record<string, string> }>;
    const flat = settings[`${p}tuned`].settings;
    assertEquals(flat["index.refresh_interval"], "7s");
    assertEquals(flat["index.number_of_replicas"], "1");
    const state = JSON.parse(await Deno.readTextFile(journal));
    assertEquals(state.backfill.tuned[`${p}tuned`], {
      refresh_interval: "7s",
      number_of_replicas: "1",
      restored: true,
    });
    assertEquals(await countOf(os2.url, `${p}tuned`), 2000);
  }));

Deno.test("run: --dryrun changes nothing; the original Data Prepper form says what to do", () =>
  inScene(["es7", "os2"], "bf-dry", async ({ es7, os2, p }) => {
    await sourceIndex(es7, `${p}one`, 10, { shards: 1 });
    const dry = await runCli(["run", ...endpoints(es7, os2, `${p}*`), "--dryrun"]);
    assertEquals(dry.code, 0, dry.stderr);
    assertStringIncludes(dry.stderr, "dry run: would migrate 1 index (1 to create), 10 documents");
    const exists = await fetch(`${os2.url}/${p}one`, { method: "HEAD" });
    assertEquals(exists.status, 404);
    const pipeline = await Deno.makeTempFile({ suffix: ".yaml" });
    await Deno.writeTextFile(
      pipeline,
      pipelineYaml({ name: "p", source: es7, target: os2 }),
    );
    const original = await runCli(["run", "/opt/data-prepper", pipeline, "4900", "--insecure"]);
    assertEquals(original.code, 2);
    assertStringIncludes(original.stderr, "--engine native");
    await Deno.remove(pipeline);
  }));

Deno.test("run <pipeline.yaml>: through the TLS + basic-auth proxy, no secret written", () =>
  inScene(["es7", "proxy"], "bf-tls", async ({ es7, proxy, os2, p, dir, journal }) => {
    const file = `${dir}/pipeline.yaml`;
    await sourceIndex(es7, `${p}secure`, 1500, { shards: 2 });
    await sourceIndex(es7, `${p}other`, 5, { shards: 1 });
    await Deno.writeTextFile(
      file,
      pipelineYaml({
        source: es7,
        sourceSettings: { disable_authentication: true },
        regex: `${p}sec.*`,
        target: proxy,
        sinkSettings: proxyLogin(proxy),
      }),
      { mode: 0o600 },
    );
    const run = await runCli(["run", file, "--journal", journal, "--json"]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout).documents.copied, 1500);
    assertEquals(await countOf(os2.url, `${p}secure`), 1500);
    assertEquals((await fetch(`${os2.url}/${p}other`, { method: "HEAD" })).status, 404);
    for (const text of [run.stdout, run.stderr, await Deno.readTextFile(journal)]) {
      assert(!text.includes(proxy.password!), "the password must never be printed or written");
    }
  }));

Deno.test("SIGINT stops after the pages in flight, restores tuned settings, re-run finishes", () =>
  inScene(["es7", "os2"], "bf-int", async ({ es7, os2, p, journal }) => {
    const total = 10_000;
    await sourceIndex(es7, `${p}slow`, total, {
      shards: 1,
      settings: { number_of_replicas: 1, refresh_interval: "3s" },
    });
    const args = nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal }, [
      "--tune-target",
      "--page-size",
      "200",
    ]);
    const child = spawnCli([...args, "--max-docs-per-second", "1000"], { stderr: "piped" });
    await waitForCopied(journal, 1000);
    child.kill("SIGINT");
    const { code, stderr } = await finished(child);
    assertEquals(code, 1, stderr);
    assertStringIncludes(stderr, "interrupted");
    assertStringIncludes(stderr, "run the same command again to continue");
    const settings = await call(
      `${os2.url}/${p}slow/_settings?flat_settings=true`,
      "GET",
    ) as Record<
      string,
      { settings: Record<string, string> }
    >;
    assertEquals(settings[`${p}slow`].settings["index.refresh_interval"], "3s");
    assertEquals(settings[`${p}slow`].settings["index.number_of_replicas"], "1");
    const stopped = await countOf(os2.url, `${p}slow`);
    assert(stopped < total, `the interrupted run copied everything (${stopped})`);

    const rerun = await runCli([...args, "--json"]);
    assertEquals(rerun.code, 0, rerun.stderr);
    assertEquals(JSON.parse(rerun.stdout).resumed, true);
    assertEquals(await countOf(os2.url, `${p}slow`), total);
  }));

Deno.test("after kill -9: --restart copies everything again; a deleted index refuses to resume", () =>
  inScene(["es7", "os2"], "bf-restart", async ({ es7, os2, p, journal }) => {
    const total = 6000;
    await sourceIndex(es7, `${p}a`, total, { shards: 1 });
    const args = nativeRunArgs(
      { source: es7, target: os2, include: `${p}*`, journal, engine: false },
      ["--page-size", "200"],
    );
    const child = spawnCli([...args, "--max-docs-per-second", "1000"]);
    await waitForCopied(journal, 1000);
    child.kill("SIGKILL");
    await child.status;

    const restarted = await runCli([...args, "--restart", "--json"]);
    assertEquals(restarted.code, 0, restarted.stderr);
    assertStringIncludes(restarted.stderr, "restarting the copy");
    assertEquals(JSON.parse(restarted.stdout).documents.read_this_run, total);
    assertEquals(await countOf(os2.url, `${p}a`), total);

    // A second interrupted run, then its index deleted behind its back: no silent re-creation.
    await Deno.remove(journal);
    await call(`${os2.url}/${p}a`, "DELETE");
    const again = spawnCli([...args, "--max-docs-per-second", "500"]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    again.kill("SIGKILL");
    await again.status;
    await call(`${os2.url}/${p}a`, "DELETE");
    const refused = await runCli(args);
    assertEquals(refused.code, 2, refused.stderr);
    assertStringIncludes(refused.stderr, `${p}a is no longer on the target`);
    assertStringIncludes(refused.stderr, "rollback --journal");
    assertEquals((await fetch(`${os2.url}/${p}a`, { method: "HEAD" })).status, 404);
  }));
