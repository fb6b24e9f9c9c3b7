/**
 * Our own process stopped at the worst moments (es7 -> os2): kill -9 while the metadata is being
 * created, early in the copy and near its end, each followed by the same command, which must
 * finish with every document there once (`verify --checksums`); two runs started on one journal
 * (the second is refused, naming the first); a truncated or corrupted journal (exit 2, the file
 * and the fix, never a stack trace, and the fix works).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  addDocuments,
  assertNoStackTrace,
  assertVerified,
  bulk,
  call,
  copiedIn,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  refreshedCount,
  runCli,
  spawnCli,
  waitForJournal,
} from "./scene.ts";

function runArgs(es7: NodeHandle, os2: NodeHandle, p: string, journal: string): string[] {
  return nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal }, [
    "--page-size",
    "500",
  ]);
}

async function indexWith(url: string, index: string, documents: number, shards = 1) {
  await call(`${url}/${index}`, "PUT", {
    settings: { number_of_shards: shards, number_of_replicas: 0 },
  });
  for (let done = 0; done < documents; done += 5000) {
    await addDocumentsFrom(url, index, done, Math.min(5000, documents - done));
  }
}

/** Documents `d<first>`.. so large indices load in several bulks. */
async function addDocumentsFrom(url: string, index: string, first: number, count: number) {
  const lines = Array.from(
    { length: count },
    (_, i) =>
      `${JSON.stringify({ index: { _id: `d${first + i}` } })}\n` +
      `${JSON.stringify({ title: `doc ${first + i} é`, n: first + i })}\n`,
  ).join("");
  await bulk(`${url}/${index}`, lines);
}

Deno.test("kill -9 while the metadata is being created: the same command creates the rest and copies everything once", () =>
  inScene(["es7", "os2"], "kill-meta", async ({ es7, os2, p, journal }) => {
    const indices = 30;
    for (let i = 0; i < indices; i++) {
      await indexWith(es7.url, `${p}m-${String(i).padStart(2, "0")}`, 0);
      await addDocuments(es7.url, `${p}m-${String(i).padStart(2, "0")}`, 5);
    }
    const child = spawnCli(runArgs(es7, os2, p, journal));
    const seen = await waitForJournal(
      journal,
      "three creations",
      (state) =>
        (state.entries as Array<{ status: string }>).filter((e) => e.status === "created")
          .length >= 3,
    );
    child.kill("SIGKILL");
    assertEquals((await child.status).signal, "SIGKILL");
    assert(!seen.backfill, "the copy had started: the kill did not fall in the creation");
    const rerun = await runCli(runArgs(es7, os2, p, journal));
    assertEquals(rerun.code, 0, rerun.stderr);
    assertEquals(await refreshedCount(os2.url, `${p}*`), indices * 5);
    await assertVerified(es7, os2, p);
  }));

Deno.test("kill -9 at the first checkpoint and again near the end: the same command finishes, nothing lost or doubled", () =>
  inScene(["es7", "os2"], "kill-ends", async ({ es7, os2, p, journal }) => {
    const total = 20_000;
    await indexWith(es7.url, `${p}big`, total, 2);
    const args = runArgs(es7, os2, p, journal);
    const slow = [...args, "--max-docs-per-second", "4000"];
    for (const [label, at] of [["first checkpoint", 1], ["90%", total * 0.9]] as const) {
      const child = spawnCli(slow);
      await waitForJournal(journal, label, (state) => copiedIn(state) >= at);
      child.kill("SIGKILL");
      assertEquals((await child.status).signal, "SIGKILL");
    }
    const rerun = await runCli([...args, "--json"]);
    assertEquals(rerun.code, 0, rerun.stderr);
    const result = JSON.parse(rerun.stdout);
    assertEquals(result.resumed, true);
    assert(result.documents.read_this_run < total / 2, "the last run did not continue");
    assertEquals(await refreshedCount(os2.url, `${p}big`), total);
    await assertVerified(es7, os2, p);
  }));

Deno.test("two runs started on one journal: the second (and a rollback) is refused naming the first, which finishes", () =>
  inScene(["es7", "os2"], "two-runs", async ({ es7, os2, p, journal }) => {
    await indexWith(es7.url, `${p}a`, 6000);
    const args = runArgs(es7, os2, p, journal);
    const first = spawnCli([...args, "--max-docs-per-second", "1500"]);
    await waitForJournal(journal, "the copy under way", (state) => copiedIn(state) > 0);
    const second = await runCli(args);
    assertEquals(second.code, 2, second.stderr);
    assertStringIncludes(second.stderr, `another fetch-migration process is using the journal`);
    assertStringIncludes(second.stderr, `process ${first.pid}`);
    const rollback = await runCli(["rollback", "--journal", journal, "--target", os2.url, "--yes"]);
    assertEquals(rollback.code, 2, rollback.stderr);
    assertStringIncludes(rollback.stderr, "another fetch-migration process is using the journal");
    assertEquals((await first.status).code, 0);
    assertEquals(await refreshedCount(os2.url, `${p}a`), 6000);
  }));

Deno.test("a truncated or corrupted journal: exit 2 naming the file and the fix, no stack trace; the fix works", () =>
  inScene(["es7", "os2"], "bad-journal", async ({ es7, os2, p, journal }) => {
    await indexWith(es7.url, `${p}a`, 6000);
    const args = runArgs(es7, os2, p, journal);
    const child = spawnCli([...args, "--max-docs-per-second", "1500"]);
    await waitForJournal(journal, "the copy under way", (state) => copiedIn(state) >= 500);
    child.kill("SIGKILL");
    await child.status;
    const text = await Deno.readTextFile(journal);
    for (const damage of [text.slice(0, text.length / 2), "\u0000\u0001garbage\u00ff", ""]) {
      await Deno.writeTextFile(journal, damage);
      for (
        const command of [args, ["rollback", "--journal", journal, "--target", os2.url, "--yes"]]
      ) {
        const refused = await runCli(command);
        assertEquals(refused.code, 2, refused.stderr);
        assertStringIncludes(refused.stderr, journal);
        assertMatch(refused.stderr, /damaged|not a Fetch Migration journal|an empty file/);
        assertNoStackTrace(refused.stderr);
      }
    }
    // The fix the message gives: move it aside; the plan then names the index partly filled,
    // and --restart copies it again.
    await Deno.rename(journal, `${journal}.damaged`);
    const partial = await runCli(args);
    assertEquals(partial.code, 1, partial.stderr);
    assertStringIncludes(partial.stderr, "--restart");
    const restarted = await runCli([...args, "--restart"]);
    assertEquals(restarted.code, 0, restarted.stderr);
    assertEquals(await refreshedCount(os2.url, `${p}a`), 6000);
    await assertVerified(es7, os2, p);
  }));
