/**
 * The one-line verdicts commands end with, and the header of a continued run, from results
 * built by hand.
 */
import { assertEquals } from "../assert.ts";
import { resumedHeader } from "../../src/cli/run-output.ts";
import { runVerdict, verdictLine } from "../../src/cli/verdict.ts";
import { FetchMigrationError } from "../../src/errors.ts";
import type { MigrationResult } from "../../src/migrate/run.ts";

function result(overrides: Partial<MigrationResult>): MigrationResult {
  return {
    status: "completed",
    journalPath: "/state/run.json",
    resumed: false,
    plan: { documents: { total: 50_000, per_index: { "logs-1": 30_000, "logs-2": 20_000 } } },
    indices: ["logs-1", "logs-2"],
    created: [],
    unmigratable: [],
    skipped: [],
    counts: [
      { index: "logs-1", source: 30_000, target: 30_000 },
      { index: "logs-2", source: 20_000, target: 20_000 },
    ],
    ...overrides,
  } as MigrationResult;
}

Deno.test("verdict: a completed run says what it migrated and that all arrived", () => {
  assertEquals(
    verdictLine(runVerdict(result({}))),
    "verdict: migrated 2 indices, 50,000 documents; all arrived",
  );
  assertEquals(
    verdictLine(runVerdict(result({ verified: { indices: ["logs-1", "logs-2"], differing: [] } }))),
    "verdict: migrated 2 indices, 50,000 documents; all arrived; verified: every document of 2 " +
      "indices matches",
  );
});

Deno.test("verdict: an incomplete run names what is missing and the first step", () => {
  const failure = new FetchMigrationError(
    "incomplete",
    "not everything selected was migrated:\n  - logs-2: 19997 of 20000 documents on the target",
    "`fetch-migration verify --checksums` names the missing documents",
  );
  const short = result({
    status: "incomplete",
    counts: [
      { index: "logs-1", source: 30_000, target: 30_000 },
      { index: "logs-2", source: 20_000, target: 19_997 },
    ],
    verified: { indices: ["logs-1", "logs-2"], differing: ["logs-2"] },
    failure,
  });
  assertEquals(
    verdictLine(runVerdict(short)),
    "FAILED: 3 documents missing in logs-2; verification: documents differ in logs-2; " +
      "`fetch-migration verify --checksums` names the missing documents",
  );
});

Deno.test("verdict: a dry run and an interrupted run say so", () => {
  assertEquals(
    verdictLine(runVerdict(result({ status: "dry-run" }))),
    "verdict: dry run: would migrate 2 indices, 50,000 documents; nothing was changed",
  );
  const copy = { copied: 7074, expected: 8574 } as MigrationResult["copy"];
  assertEquals(
    verdictLine(runVerdict(result({ status: "interrupted", copy }))),
    "FAILED: stopped before the end: 7,074 of 8,574 documents written; the same command continues",
  );
});

Deno.test("a continued run's header says what is left and what was done", () => {
  const event = {
    type: "resuming" as const,
    runId: "r1",
    journalPath: "/state/run.json",
    point: { done: 3, total: 10, copied: 7074, expected: 8574 },
  };
  assertEquals(
    resumedHeader(event, 2),
    "continuing run r1 from /state/run.json: 1,500 documents left of 8,574 in 2 indices; " +
      "already done: 7,074 documents written (per the journal's checkpoints), 3 of 10 slices " +
      "done (--restart copies everything again)",
  );
});
