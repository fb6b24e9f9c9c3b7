/** The verify report: statuses, the table for people, progress lines, index selection. */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import {
  buildReport,
  type ChecksumResult,
  formatChecksumProgress,
  formatVerifyText,
  type IndexResult,
  indexStatus,
} from "../../src/verify/report.ts";
import { selectFromJournal, selectFromPlan } from "../../src/verify/selection.ts";
import type { JournalData } from "../../src/journal/journal.ts";
import type { Buckets, MigrationPlan } from "../../src/metadata/types.ts";

const SOURCE = { url: "http://es7:9200", distribution: "elasticsearch", version: "7.10.2" };
const TARGET = { url: "http://os2:9200", distribution: "opensearch", version: "2.19.6" };

function sums(overrides: Partial<ChecksumResult> = {}): ChecksumResult {
  return {
    source_count: 300,
    target_count: 300,
    buckets_differing: 0,
    capped: false,
    missing: [],
    extra: [],
    different: [],
    missing_total: 0,
    extra_total: 0,
    different_total: 0,
    ...overrides,
  };
}

function result(overrides: Omit<Partial<IndexResult>, "status">): IndexResult {
  const base = { index: "logs", source_count: 300, target_count: 300, ...overrides };
  return { ...base, status: indexStatus(base) };
}

Deno.test("indexStatus: ok, mismatch on any check, missing target, error", () => {
  assertEquals(result({}).status, "ok");
  assertEquals(result({ checksums: sums() }).status, "ok");
  assertEquals(result({ target_count: 299 }).status, "mismatch");
  assertEquals(result({ checksums: sums({ buckets_differing: 1 }) }).status, "mismatch");
  assertEquals(
    result({ sample: { requested: 5, checked: 5, seed: 1, missing: ["a"], different: [] } })
      .status,
    "mismatch",
  );
  assertEquals(result({ target_count: null }).status, "missing");
  assertEquals(result({ source_count: null }).status, "error");
  assertEquals(result({ error: "no _source" }).status, "error");
});

Deno.test("formatVerifyText: a table, the ids behind the differences, what was left out", () => {
  const report = buildReport(SOURCE, TARGET, ["counts", "checksums"], [
    result({ index: "a-ok", checksums: sums() }),
    result({
      index: "b-bad",
      target_count: 300,
      checksums: sums({
        buckets_differing: 3,
        missing: ["d5"],
        extra: ["x1"],
        different: Array.from({ length: 10 }, (_, i) => `c${i}`),
        missing_total: 1,
        extra_total: 1,
        different_total: 12,
      }),
    }),
    result({ index: "c-gone", target_count: null }),
    result({ index: "d-short", source_count: 1500, target_count: 1499 }),
  ], [{ index: "e-conflict", reason: "definitions differ" }]);
  assertEquals(report.status, "failed");
  const text = formatVerifyText(report);
  const lines = text.split("\n");
  assertEquals(lines[1], "index    source  target  result    details");
  assertEquals(lines[2], "a-ok        300     300  ok        checksums equal (300 docs)");
  assertEquals(
    lines[3],
    "b-bad       300     300  mismatch  checksums: 1 missing, 1 extra, 12 different",
  );
  assertEquals(lines[4], "c-gone      300       -  missing   missing on target");
  assertEquals(lines[5], "d-short   1,500   1,499  mismatch  target has 1 fewer");
  assertStringIncludes(text, "b-bad:\n  missing on target (1): d5\n  extra on target (1): x1\n");
  assertStringIncludes(
    text,
    "  different (12): c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, … (12 in all)",
  );
  assertStringIncludes(text, "not verified:\n  e-conflict: definitions differ");
  assertEquals(lines.at(-1), "verification FAILED: 3 of 4 indices differ");
});

Deno.test("formatVerifyText: passes, and says when nothing was verified", () => {
  const passed = buildReport(SOURCE, TARGET, ["counts"], [result({})], []);
  assertEquals(passed.status, "succeeded");
  assertEquals(
    formatVerifyText(passed).split("\n").at(-1),
    "verification passed: 1 index match",
  );
  assertEquals(
    formatVerifyText(buildReport(SOURCE, TARGET, ["counts"], [result({}), result({})], []))
      .split("\n").at(-1),
    "verification passed: 2 indices match",
  );
  const oneBad = buildReport(SOURCE, TARGET, ["counts"], [result({ target_count: 1 })], []);
  assertEquals(
    formatVerifyText(oneBad).split("\n").at(-1),
    "verification FAILED: 1 of 1 index differs",
  );
  const empty = buildReport(SOURCE, TARGET, ["counts"], [], []);
  // Nothing proven is no proof: an empty verification is not ok.
  assertEquals(empty.status, "failed");
  const none = formatVerifyText(empty);
  assertStringIncludes(none, "no index to verify");
  assertStringIncludes(none, "nothing verified");
});

Deno.test("formatVerifyText: a CJK index name lines up with the others", () => {
  const text = formatVerifyText(buildReport(SOURCE, TARGET, ["counts", "checksums"], [
    result({ index: "索引-テスト", checksums: sums({ source_count: 1 }) }),
    result({ index: "logs", source_count: 1500, target_count: 1500 }),
  ], []));
  const lines = text.split("\n");
  assertEquals(lines[1], "index        source  target  result  details");
  assertEquals(lines[2], "索引-テスト     300     300  ok      checksums equal (1 doc)");
  assertEquals(lines[3], "logs          1,500   1,500  ok");
});

Deno.test("formatVerifyText: a capped diff says its totals are lower bounds", () => {
  const text = formatVerifyText(buildReport(SOURCE, TARGET, ["counts", "checksums"], [
    result({
      checksums: sums({ buckets_differing: 4000, capped: true, missing: ["a"], missing_total: 9 }),
    }),
  ], []));
  assertStringIncludes(text, "checksums: at least 9 missing");
  assertStringIncludes(text, "too many differences to name them all");
});

Deno.test("formatVerifyText: differing digests with no id to name are still reported", () => {
  const text = formatVerifyText(buildReport(SOURCE, TARGET, ["counts", "checksums"], [
    result({ checksums: sums({ buckets_differing: 1 }) }),
  ], []));
  assertStringIncludes(text, "no single document could be named");
});

Deno.test("formatChecksumProgress: both sides, hashed of expected", () => {
  assertEquals(
    formatChecksumProgress({
      index: "logs",
      pass: "digests",
      source: { hashed: 12_000, expected: 50_000 },
      target: { hashed: 11_500, expected: 50_000 },
    }),
    "checksums logs (digests): source 12,000 / 50,000, target 11,500 / 50,000 documents hashed",
  );
});

function buckets(overrides: Partial<Buckets>): Buckets {
  return {
    create: [],
    identical_empty: [],
    identical: [],
    partially_filled: [],
    conflicting: [],
    excluded: [],
    unhealthy: [],
    unsupported: [],
    ...overrides,
  };
}

Deno.test("selectFromPlan: create, identical_empty and identical, data streams too; what is left alone named", () => {
  const stream = (name: string) => ({
    name,
    timestamp_field: "@timestamp",
    backing_indices: [`.ds-${name}-000001`],
    documents: 1,
  });
  const plan = {
    indices: buckets({
      create: ["c"],
      identical_empty: ["b"],
      identical: ["a"],
      conflicting: [{ name: "z", differences: [] }],
      excluded: ["x"],
      unhealthy: [{ name: "red", reason: "red" }],
    }),
    data_streams: {
      create: [stream("ds-new")],
      identical_empty: [],
      identical: ["ds-full"],
      partially_filled: [],
      unsupported: [{ ...stream("ds-no"), reason: "no template" }],
      excluded: ["ds-out"],
    },
    left_out: [{ name: "hidden", reason: "hidden", flag: "--include-hidden" }],
  } as unknown as MigrationPlan;
  assertEquals(selectFromPlan(plan), {
    indices: ["a", "b", "c", "ds-full", "ds-new"],
    notVerified: [
      { index: "ds-no", reason: "no template" },
      { index: "hidden", reason: "hidden" },
      { index: "red", reason: "red" },
      { index: "z", reason: "definitions differ" },
    ],
  });
});

Deno.test("selectFromJournal: exactly the backfill's indices, or nothing without a backfill", () => {
  const data: JournalData = {
    version: 1,
    runId: "r",
    target: "http://os2:9200",
    startedAt: "2024-01-01T00:00:00Z",
    status: "completed",
    entries: [],
  };
  assertEquals(selectFromJournal(data), undefined);
  assertEquals(
    selectFromJournal({
      ...data,
      backfill: {
        source: "http://es7:9200",
        indices: { "logs-2": 5, "logs-1": 3 },
        units: [],
        tuned: {},
        deadLetters: 0,
        status: "completed",
      },
    }),
    { indices: ["logs-1", "logs-2"], notVerified: [] },
  );
});
