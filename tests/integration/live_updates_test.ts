/**
 * A live source: documents updated while the native engine copies must arrive. An update moves a
 * document to a new, higher `_seq_no`, into its shard's open-ended last range; that range may
 * only finish after a pass that started once every other range of the shard was done.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  assertVerified,
  bulk,
  call,
  countOf,
  finished,
  inScene,
  nativeRunArgs,
  readJournal,
  spawnCli,
} from "./scene.ts";

/** Live documents `d0..d29999`; then `d30000..` indexed and deleted, so numbers run on. */
const LIVE = 30_000;
const DELETED = 6_000;
const UPDATED = 200;

interface JournalUnit {
  from: number;
  to: number | null;
  copied: number;
  done: boolean;
}

async function journalUnits(journal: string): Promise<JournalUnit[]> {
  // Not written yet, or caught mid-rename: try again later.
  const backfill = (await readJournal(journal))?.backfill as { units?: JournalUnit[] } | undefined;
  return backfill?.units ?? [];
}

Deno.test("updates made during a copy arrive: a shard's open range takes a last pass after its other ranges (es7 -> os2)", () =>
  inScene(["es7", "os2"], "liveupd", async ({ es7, os2, p, journal }) => {
    const index = `${p}docs`;
    await call(`${es7.url}/${index}`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { title: { type: "keyword" }, n: { type: "integer" } } },
    });
    // One shard, written in order: document `di` gets sequence number i.
    for (let first = 0; first < LIVE + DELETED; first += 5000) {
      const lines = Array.from({ length: Math.min(5000, LIVE + DELETED - first) }, (_, k) => {
        const i = first + k;
        return `{"index":{"_id":"d${i}"}}\n{"title":"doc ${i}","n":${i}}\n`;
      }).join("");
      await bulk(`${es7.url}/${index}`, lines, false);
    }
    // The top of the numbers deleted: the last range holds no live document and ends at once.
    const deletes = Array.from(
      { length: DELETED },
      (_, k) => `{"delete":{"_id":"d${LIVE + k}"}}\n`,
    ).join("");
    await bulk(`${es7.url}/${index}`, deletes);
    const stats = await call(`${es7.url}/${index}/_stats/docs?level=shards`, "GET") as {
      indices: Record<
        string,
        { shards: Record<string, Array<{ seq_no: { max_seq_no: number } }>> }
      >;
    };
    const maxSeqNo = stats.indices[index].shards["0"][0].seq_no.max_seq_no;
    assertEquals(maxSeqNo, LIVE + 2 * DELETED - 1);

    const child = spawnCli(
      nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal }, [
        "--slices",
        "4",
        "--max-docs-per-second",
        "1500",
      ]),
      { stderr: "piped" },
    );
    const output = finished(child);
    let exited = false;
    output.finally(() => exited = true).catch(() => {});

    // About 5 s into the copy (1,500 docs/s): the first range is partly read.
    let units: JournalUnit[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      units = await journalUnits(journal);
      const copied = units.reduce((sum, unit) => sum + unit.copied, 0);
      if (copied >= 6000) break;
      if (exited || Date.now() > deadline) {
        if (!exited) child.kill("SIGKILL");
        const early = await output;
        throw new Error(
          `the run copied only ${copied} before the update (exit ${early.code}):\n` +
            early.stderr,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assertEquals(units.length, 4);
    assertEquals(units[3].to, null);
    assert(units[3].from >= LIVE, `the last range starts at ${units[3].from}, under ${LIVE}`);
    assert(!units.slice(0, 3).every((unit) => unit.done), "the bounded ranges finished early");

    // The documents with the lowest numbers, in the first range: new numbers above them all.
    const updates = Array.from(
      { length: UPDATED },
      (_, i) => `{"update":{"_id":"d${i}"}}\n{"doc":{"title":"updated ${i}"}}\n`,
    ).join("");
    await bulk(`${es7.url}/${index}`, updates);

    const run = await output;
    assertEquals(run.code, 0, run.stderr);

    await assertVerified(es7, os2, p);

    const got = await call(`${os2.url}/${index}/_mget`, "POST", {
      ids: Array.from({ length: UPDATED }, (_, i) => `d${i}`),
    }) as { docs: Array<{ _id: string; found: boolean; _source?: { title: string } }> };
    const stale = got.docs.filter((doc, i) => doc._source?.title !== `updated ${i}`);
    assertEquals(stale.length, 0, `not updated on the target: ${stale.map((d) => d._id)}`);
    assertEquals(await countOf(os2.url, index), LIVE);
  }));
