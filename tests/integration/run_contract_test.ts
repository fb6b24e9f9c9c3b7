/**
 * Exit 0 means every selected document arrived: each test is a way a run once said "success"
 * (or nothing) while documents were missing, replayed on real nodes as an operator would.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  assertVerified,
  bulk,
  call,
  cleanUp,
  endpoints,
  ensureNodes,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  refreshedCount,
  runCli,
  runPrefix,
  spawnCli,
} from "./scene.ts";

/** Creates `index` (one shard unless said) and loads `count` small documents `d0..`. */
async function loadIndex(
  node: NodeHandle,
  index: string,
  count: number,
  shards = 1,
): Promise<void> {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: shards, number_of_replicas: 0 },
  });
  for (let first = 0; first < count; first += 5000) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(count, first + 5000); i++) {
      lines.push(JSON.stringify({ index: { _index: index, _id: `d${i}` } }));
      lines.push(JSON.stringify({ n: i, title: `document ${i}`, pad: "x".repeat(200) }));
    }
    await bulk(node.url, lines.join("\n") + "\n", false);
  }
  await call(`${node.url}/${index}/_refresh`, "POST");
}

Deno.test("refused documents are sent again by the next run, and the summary counts what arrived (es7 -> os3, 429 storm)", () =>
  inScene(["es7", "os3"], "contract-dl", async ({ es7, os3, p, dir }) => {
    const env = { XDG_STATE_HOME: dir };
    const command = nativeRunArgs({ source: es7, target: os3, include: `${p}*` }, [
      ...["--concurrency", "32", "--slices", "16", "--batch-bytes", "32kb", "--page-size", "200"],
      ...["--max-attempts", "1", "--json"],
    ]);
    await loadIndex(es7, `${p}storm`, 9000, 4);
    const first = await runCli(command, { env });
    const result = JSON.parse(first.stdout);
    assert(
      result.documents.dead_lettered > 0,
      "os3 pushed back on nothing, so this test proves nothing: it needs os3's tiny write " +
        "queue (deno task clusters up os3)\n" + first.stderr,
    );
    assertEquals(first.code, 1, first.stderr);
    // The summary counts what arrived, never "9,000 of 9,000" beside refusals.
    assertEquals(result.documents.copied + result.documents.dead_lettered, 9000);
    assert(!first.stderr.includes("9,000 of 9,000"), first.stderr);
    assertStringIncludes(first.stderr, "documents refused by the target, in ");
    assertStringIncludes(first.stderr, "run the same command again");
    const warnings = first.stderr.split("\n").filter((line) =>
      line.includes("refused by the target (")
    );
    assert(
      warnings.length <= 4,
      `${warnings.length} warning lines for the refusals:\n${first.stderr}`,
    );

    // The same command again sends them, as often as the storm needs (each run fewer).
    let left = result.documents.dead_lettered;
    let last = first;
    for (let attempt = 0; attempt < 6 && last.code !== 0; attempt++) {
      last = await runCli(command, { env });
      assertStringIncludes(last.stderr, "sent again");
      const again = JSON.parse(last.stdout);
      assert(again.resumed, "the re-run continues the run");
      assert(
        again.documents.dead_lettered < left,
        `no progress: ${again.documents.dead_lettered} left`,
      );
      left = again.documents.dead_lettered;
    }
    assertEquals(last.code, 0, last.stderr);
    assertEquals(await refreshedCount(os3.url, `${p}storm`), 9000);
    await assertVerified(es7, os3, p);
  }));

Deno.test("a run interrupted in one directory continues from another; without its journal the index is named partially filled", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("contract-cwd");
  const state = await Deno.makeTempDir();
  const [dirA, dirB] = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const command = nativeRunArgs({ source: es7, target: os2, include: `${p}*` });
  try {
    await loadIndex(es7, `${p}docs`, 9000, 2);
    const child = spawnCli([...command, "--max-docs-per-second", "300"], {
      cwd: dirA,
      env: { XDG_STATE_HOME: state },
      stderr: "piped",
    });
    // Indexing operations, not `_count`: the index the run created loads with refreshes off.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stats = await fetch(`${os2.url}/${p}docs/_stats/indexing`).then((r) => r.json())
        .catch(() => ({}));
      if ((stats._all?.primaries?.indexing?.index_total ?? 0) >= 1500) break;
    }
    const signalled = performance.now();
    child.kill("SIGINT");
    const { code, stderr } = await finished(child);
    const seconds = (performance.now() - signalled) / 1000;
    assertEquals(code, 1, stderr);
    assert(seconds < 5, `the run took ${seconds.toFixed(1)} s to stop after Ctrl-C:\n${stderr}`);
    assertMatch(stderr, /interrupted: [\d,]+ of 9,000 documents copied so far/);
    assert(!stderr.includes("9,000 of 9,000"), stderr);
    const partial = await refreshedCount(os2.url, `${p}docs`);
    assert(partial > 0 && partial < 9000, `${partial} on the target after the interrupt`);

    // The journal lost (another state directory): never "identical with data" in silence.
    const lost = await runCli(command, {
      cwd: dirB,
      env: { XDG_STATE_HOME: await Deno.makeTempDir() },
    });
    assertEquals(lost.code, 1, lost.stderr);
    assertStringIncludes(lost.stderr, `${p}docs: partially filled: ${partial} of 9000 documents`);
    assertStringIncludes(lost.stderr, "--restart");

    // The same command from another directory finds the journal and finishes the copy.
    const resumed = await runCli(command, { cwd: dirB, env: { XDG_STATE_HOME: state } });
    assertEquals(resumed.code, 0, resumed.stderr);
    assertStringIncludes(resumed.stderr, "continuing run");
    assertStringIncludes(resumed.stderr, `${state}/fetch-migration/run-`);
    assertEquals(await refreshedCount(os2.url, `${p}docs`), 9000);
  } finally {
    await cleanUp([es7.url, os2.url], p);
    for (const dir of [state, dirA, dirB]) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a selected index that cannot be migrated makes run exit 1 with its reason, unless skipped on request", () =>
  inScene(["es8", "os2"], "contract-unmig", async ({ es8, os2, p }) => {
    // es8: the OSS es8 node has no dense_vector.
    await call(`${es8.url}/${p}vectors`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { v: { type: "dense_vector", dims: 3 } } },
    });
    await call(`${es8.url}/${p}conflict`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { a: { type: "long" } } },
    });
    await call(`${os2.url}/${p}conflict`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { a: { type: "keyword" } } },
    });
    await loadIndex(es8, `${p}fine`, 5);
    const command = ["run", ...endpoints(es8, os2, `${p}*`)];

    const run = await runCli(command);
    assertEquals(run.code, 1, run.stderr);
    assertMatch(
      run.stderr,
      new RegExp(`${p}vectors: unsupported: .*k-NN|${p}vectors: unsupported: .*knn`, "i"),
    );
    assertStringIncludes(run.stderr, `${p}conflict: conflicting: already on the target`);
    assertStringIncludes(run.stderr, "--skip-unmigratable");
    assertEquals(
      await refreshedCount(os2.url, `${p}fine`),
      5,
      "the migratable index is migrated all the same",
    );

    const one = await runCli(["run", ...endpoints(es8, os2, `${p}conflict`)]);
    assertEquals(one.code, 1, one.stderr);
    assertStringIncludes(one.stderr, `${p}conflict: conflicting`);

    const skipped = await runCli([...command, "--skip-unmigratable"]);
    assertEquals(skipped.code, 0, skipped.stderr);

    const verify = await runCli(["verify", ...endpoints(es8, os2, `${p}vectors`)]);
    assertEquals(verify.code, 1, `verify with nothing to verify must fail:\n${verify.stderr}`);
  }));

Deno.test("selections say what they do: no match is exit 2 with the closest names, commas list, --include narrows a pipeline, and wrong pairs are refused", () =>
  inScene(["es7", "es8", "os2"], "contract-sel", async ({ es7, es8, os2, p, dir }) => {
    for (const name of ["alpha", "beta", "gamma"]) await loadIndex(es7, `${p}${name}`, 3);

    const typo = await runCli(["run", ...endpoints(es7, os2, `${p}alpah*`)]);
    assertEquals(typo.code, 2, typo.stderr);
    assertStringIncludes(typo.stderr, `--include ${p}alpah* matches no index (closest: ${p}alpha`);

    const listed = await runCli(["run", ...endpoints(es7, os2, `${p}alpha,${p}beta`), "--verify"]);
    assertEquals(listed.code, 0, listed.stderr);
    assertStringIncludes(listed.stderr, "verifying every document of 2 indices (--verify)");
    assertEquals(await refreshedCount(os2.url, `${p}alpha`), 3);
    assertEquals(await refreshedCount(os2.url, `${p}beta`), 3);

    const pipeline = `${dir}/p.yaml`;
    const pipelineText = (extra = "") =>
      `p:\n  source:\n    opensearch:\n      hosts: ["${es7.url}"]\n      indices:\n` +
      `        include:\n          - index_name_regex: "${p}.*"\n` +
      `  sink:\n    - opensearch: {hosts: ["${os2.url}"]}\n${extra}`;
    await Deno.writeTextFile(pipeline, pipelineText());
    const narrowed = await runCli([
      "run",
      pipeline,
      "--include",
      `${p}gamma`,
      "--dryrun",
      "--json",
    ]);
    assertEquals(narrowed.code, 0, narrowed.stderr);
    assertEquals(JSON.parse(narrowed.stdout).migrating, [`${p}gamma`]);

    await Deno.writeTextFile(pipeline, pipelineText(`    - opensearch: {hosts: ["${es8.url}"]}\n`));
    const twoSinks = await runCli(["run", pipeline]);
    assertEquals(twoSinks.code, 2, twoSinks.stderr);
    assertStringIncludes(twoSinks.stderr, "2 opensearch/elasticsearch plugins");

    // Two pipelines: plan (as metadata and verify) looks at one, picked by name; run runs both.
    const named = (name: string, regex: string) =>
      pipelineText().replace(/^p:/, `${name}:`).replace(`"${p}.*"`, `"${regex}"`);
    await Deno.writeTextFile(pipeline, named("p", `${p}gamma`) + named("q", `${p}(alpha|beta)`));
    const twoPlans = await runCli(["plan", "--pipeline", pipeline]);
    assertEquals(twoPlans.code, 2, twoPlans.stderr);
    assertStringIncludes(twoPlans.stderr, "2 pipelines (p, q)");
    assertStringIncludes(twoPlans.stderr, "--pipeline-name");
    const onePlan = await runCli([
      "plan",
      "--pipeline",
      pipeline,
      "--pipeline-name",
      "q",
      "--json-detail",
    ]);
    assertEquals(onePlan.code, 0, onePlan.stderr);
    assertEquals(JSON.parse(onePlan.stdout).indices.identical, [`${p}alpha`, `${p}beta`]);
    const twoPipelines = await runCli(["run", pipeline]);
    assertEquals(twoPipelines.code, 0, twoPipelines.stderr);
    assertStringIncludes(twoPipelines.stderr, "[p] migrating 1 index (1 to create), 3 documents");
    assertStringIncludes(twoPipelines.stderr, "[q] migrating 0 indices");
    assertEquals(await refreshedCount(os2.url, `${p}gamma`), 3);

    const same = await runCli(["run", ...endpoints(os2, os2, `${p}*`)]);
    assertEquals(same.code, 2, same.stderr);
    assertStringIncludes(same.stderr, "the source and the target are the same cluster");

    const elastic = await runCli(["run", ...endpoints(es7, es8, `${p}*`)]);
    assertEquals(elastic.code, 2, elastic.stderr);
    assertStringIncludes(elastic.stderr, "is Elasticsearch 8.19.21, not OpenSearch");
    assertStringIncludes(elastic.stderr, "--allow-elasticsearch-target");
    const onEs8 = await fetch(`${es8.url}/${p}*`).then((r) => r.json());
    assertEquals(Object.keys(onEs8), [], "nothing was created on the refused target");
  }));
