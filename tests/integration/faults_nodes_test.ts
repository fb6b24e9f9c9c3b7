/**
 * The clusters failing under a run, on real nodes: the target node stopped mid-copy and started
 * again, the source node likewise, the target index made read-only by the flood-stage disk
 * watermark's block, and a soak of 1 M documents under a 429 storm with one target restart.
 * Each ends with `verify --checksums` passing, after the run either rode the failure out or
 * stopped with a message naming the host and the command to run next, which then worked.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  assertVerified,
  bulk,
  call,
  cleanUp,
  copiedIn,
  ensureNodes,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  type NodeName,
  refreshedCount,
  runCli,
  runPrefix,
  spawnCli,
  startNode,
  stopNode,
  waitForCopied,
  waitForJournal,
} from "./scene.ts";

/** An index of `total` documents (ids `d<n>`, some routed) in bulks of 10 000. */
async function sourceIndex(node: NodeHandle, index: string, total: number, shards: number) {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: shards, number_of_replicas: 0, refresh_interval: "-1" },
  });
  for (let first = 0; first < total; first += 10_000) {
    const lines: string[] = [];
    for (let n = first; n < Math.min(total, first + 10_000); n++) {
      const meta: Record<string, string> = { _id: `d${n}` };
      if (n % 11 === 0) meta.routing = `r${n % 5}`;
      lines.push(JSON.stringify({ index: meta }), `{"n":${n},"text":"document ${n} é"}`);
    }
    await bulk(`${node.url}/${index}`, lines.join("\n") + "\n", false);
  }
  await call(`${node.url}/${index}/_settings`, "PUT", { index: { refresh_interval: "1s" } });
  await call(`${node.url}/${index}/_refresh`, "POST");
}

/**
 * Runs `args`, stops `node` once `stopAt` documents are checkpointed, starts it again 5 s
 * later, and waits for the run. Returns its exit code and what it printed.
 */
async function runThroughRestart(
  args: string[],
  journal: string,
  node: NodeName,
  stopAt: number,
): Promise<{ code: number; stderr: string }> {
  const child = spawnCli(args, { stderr: "piped" });
  const output = finished(child);
  await waitForCopied(journal, stopAt);
  await stopNode(node);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  await startNode(node);
  return await output;
}

/**
 * The run either rode the restart out (exit 0) or stopped naming `host` and the command to run
 * next; then that command finishes the copy.
 */
async function finishAfter(
  outcome: { code: number; stderr: string },
  host: string,
  args: string[],
): Promise<string> {
  if (outcome.code === 0) {
    console.log("the run rode the restart out");
    return outcome.stderr;
  }
  const said = outcome.stderr.split("\n").filter((line) => /^(error|hint):/.test(line));
  console.log(`the run stopped (exit ${outcome.code}), saying:\n${said.join("\n")}`);
  assertStringIncludes(outcome.stderr, host);
  assertMatch(outcome.stderr, /run the same command again/);
  assert(!/internal error/.test(outcome.stderr), outcome.stderr);
  const rerun = await runCli(args);
  assertEquals(rerun.code, 0, rerun.stderr);
  return outcome.stderr + rerun.stderr;
}

Deno.test("the target node stopped mid-copy and started again (es7 -> os3): the run rides it out or names the host and the command, which finishes it", () =>
  inScene(["es7", "os3"], "target-down", async ({ es7, os3, p, journal }) => {
    const total = 40_000;
    await sourceIndex(es7, `${p}a`, total, 2);
    const args = nativeRunArgs({ source: es7, target: os3, include: `${p}*`, journal });
    const outcome = await runThroughRestart(
      [...args, "--max-docs-per-second", "4000"],
      journal,
      "os3",
      5000,
    );
    await finishAfter(outcome, "127.0.0.1:19303", args);
    assertEquals(await refreshedCount(os3.url, `${p}a`), total);
    await assertVerified(es7, os3, p);
  }));

Deno.test("the source node stopped mid-copy and started again (os1 -> os2): the run rides it out or names the host and the command, which finishes it", () =>
  inScene(["os1", "os2"], "source-down", async ({ os1, os2, p, journal }) => {
    const total = 40_000;
    await sourceIndex(os1, `${p}a`, total, 2);
    const args = nativeRunArgs({ source: os1, target: os2, include: `${p}*`, journal });
    const outcome = await runThroughRestart(
      [...args, "--max-docs-per-second", "4000"],
      journal,
      "os1",
      5000,
    );
    await finishAfter(outcome, "127.0.0.1:19301", args);
    assertEquals(await refreshedCount(os2.url, `${p}a`), total);
    await assertVerified(os1, os2, p);
  }));

Deno.test("the target index made read-only by the flood-stage watermark's block (es7 -> os2): a clear error, and the run resumes once the block is lifted", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("flood");
  const directory = await Deno.makeTempDir();
  const journal = `${directory}/run.json`;
  const total = 30_000;
  try {
    await sourceIndex(es7, `${p}a`, total, 2);
    const args = nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal });
    // Fewer attempts than the default, so that the run gives up on the block sooner.
    const child = spawnCli([...args, "--max-docs-per-second", "3000", "--max-attempts", "4"], {
      stderr: "piped",
    });
    const output = finished(child);
    await waitForJournal(journal, "the copy under way", (state) => copiedIn(state) >= 3000);
    // The very block the disk monitor sets at the flood stage (id 12, 429). Lowering the
    // watermark itself would block every index of the shared test node, not only this one.
    await call(`${os2.url}/${p}a/_settings`, "PUT", {
      index: { "blocks.read_only_allow_delete": true },
    });
    const { code, stderr } = await output;
    assertEquals(code, 1, stderr);
    assertStringIncludes(stderr, `${p}a`);
    assertMatch(stderr, /read-only|flood-stage/);
    assertMatch(stderr, /run the same command again/);
    assert(!/internal error/.test(stderr), stderr);
    await call(`${os2.url}/${p}a/_settings`, "PUT", {
      index: { "blocks.read_only_allow_delete": null },
    });
    const rerun = await runCli([...args, "--json"]);
    assertEquals(rerun.code, 0, rerun.stderr);
    assertEquals(JSON.parse(rerun.stdout).resumed, true);
    assertEquals(await refreshedCount(os2.url, `${p}a`), total);
    await assertVerified(es7, os2, p);
  } finally {
    await fetch(`${os2.url}/${p}*/_settings`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ index: { "blocks.read_only_allow_delete": null } }),
    }).then((r) => r.body?.cancel());
    await cleanUp([es7.url, os2.url], p);
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  }
});

Deno.test("soak: 1 M documents es7 -> os3 under a 429 storm and one target restart, nothing lost", () =>
  inScene(["es7", "os3"], "soak", async ({ es7, os3, p, journal }) => {
    const total = 1_000_000;
    const loading = performance.now();
    await sourceIndex(es7, `${p}a`, total, 4);
    console.log(
      `loaded ${total} documents in ${((performance.now() - loading) / 1000).toFixed(0)} s`,
    );
    const args = nativeRunArgs({ source: es7, target: os3, include: `${p}*`, journal });
    const copying = performance.now();
    // Sixteen requests in flight against os3's one write thread and four queued tasks: a storm.
    const storm = ["--concurrency", "16", "--slices", "8", "--batch-bytes", "256kb"];
    const outcome = await runThroughRestart([...args, ...storm], journal, "os3", total * 0.4);
    const said = await finishAfter(outcome, "127.0.0.1:19303", [...args, ...storm]);
    // The storm was real: the target pushed back (429) and the run sent those documents again.
    const retried = said.match(/([\d,]+) retried after push-back/);
    assert(retried && Number(retried[1].replaceAll(",", "")) > 0, `no push-back seen:\n${said}`);
    console.log(`${retried[1]} documents sent again after push-back`);
    console.log(
      `copied through the restart in ${((performance.now() - copying) / 1000).toFixed(0)} s`,
    );
    assertEquals(await refreshedCount(os3.url, `${p}a`), total);
    await assertVerified(es7, os3, p);
  }));
