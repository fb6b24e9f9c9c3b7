/** The bench's rounds: each contender's median round, a failed round never hidden. */
import { assert, assertEquals } from "../assert.ts";
import type { Row } from "../../bench/contenders.ts";
import { medianRows, type RoundRow } from "../../bench/rounds.ts";

function row(key: string, round: number, docsPerSecond: number, status: Row["status"] = "ok") {
  return {
    key,
    contender: key,
    status,
    expected: 100,
    docsPerSecond,
    notes: [`run ${round}`],
    round,
  } as RoundRow;
}

Deno.test("medianRows: one row per contender, its median round, every round's rate noted", () => {
  const rows = medianRows([
    row("native", 1, 9000),
    row("reindex", 1, 6000),
    row("native", 2, 7000),
    row("reindex", 2, 7500),
    row("native", 3, 8000),
    row("reindex", 3, 5000),
  ]);
  assertEquals(rows.map((each) => [each.key, each.docsPerSecond]), [
    ["native", 8000],
    ["reindex", 6000],
  ]);
  assert(rows[0].notes[0].startsWith("median of 3 rounds taken in turns (docs/s: 9 000, 7 000"));
  assertEquals(rows[0].notes[1], "run 3");
  assert(!("round" in rows[0]));
});

Deno.test("medianRows: a failed round is the row shown; a single round is left as it was", () => {
  const [failed] = medianRows([row("raw", 1, 9000), row("raw", 2, 10, "failed")]);
  assertEquals(failed.status, "failed");
  assert(failed.notes[0].startsWith("round 2 of 2 rounds"), failed.notes[0]);
  const [single] = medianRows([row("raw", 1, 9000)]);
  assertEquals(single.notes, ["run 1"]);
});
