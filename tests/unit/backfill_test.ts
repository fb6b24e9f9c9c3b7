/** Pure parts of the native engine: slices, bulk bodies and answers, pacing, JSON, progress. */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { MAX_RANGE, planUnits, resumeFrom } from "../../src/backfill/units.ts";
import {
  byteLength,
  classifyBulkResponse,
  toBatches,
  toBulkItem,
} from "../../src/backfill/bulk.ts";
import { AdaptiveLimit, RateLimit } from "../../src/backfill/limiter.ts";
import { canonicalJson, parseJsonExact, stringifyJsonExact } from "../../src/backfill/json.ts";
import { formatDuration, formatProgress, ProgressModel } from "../../src/backfill/progress.ts";
import type { SourceDocument } from "../../src/backfill/reader.ts";

function doc(id: string, source: unknown = { n: 1 }, routing?: string): SourceDocument {
  return { id, source, seqNo: 0, ...(routing ? { routing } : {}) };
}

Deno.test("units: each shard cut into ranges, the last one open-ended", () => {
  const units = planUnits("logs", [{ shard: 1, maxSeqNo: 999 }, { shard: 0, maxSeqNo: 99 }], 4);
  assertEquals(
    units.map((u) => [u.id, u.from, u.to]),
    [
      ["logs/s0/r0", 0, 50],
      ["logs/s0/r1", 50, null],
      ["logs/s1/r0", 0, 500],
      ["logs/s1/r1", 500, null],
    ],
  );
  assert(units.every((u) => u.after === null && !u.done && u.copied === 0));
});

Deno.test("units: an empty or tiny shard is one open range; more shards than slices", () => {
  assertEquals(
    planUnits("x", [{ shard: 0, maxSeqNo: -1 }], 8).map((u) => [u.from, u.to]),
    [[0, null]],
  );
  assertEquals(planUnits("x", [{ shard: 0, maxSeqNo: 2 }], 8).length, 1);
  assertEquals(
    planUnits("x", [0, 1, 2, 3, 4].map((shard) => ({ shard, maxSeqNo: 1000 })), 2).length,
    5,
  );
});

Deno.test("units: a checkpoint resumes after the last acknowledged number", () => {
  const [unit] = planUnits("x", [{ shard: 0, maxSeqNo: 10 }], 1);
  assertEquals(resumeFrom(unit), 0);
  assertEquals(resumeFrom({ ...unit, after: 41 }), 42);
  assertEquals(resumeFrom({ ...unit, from: 50, after: 10 }), 50);
});

Deno.test("bulk: index actions keep id and routing; source numbers kept exactly", () => {
  const source = parseJsonExact('{"big":12345678901234567,"f":1.50}');
  const item = toBulkItem("logs", { ...doc('a"1', source, "r1"), exact: true });
  assertEquals(
    item.lines,
    '{"index":{"_index":"logs","_id":"a\\"1","routing":"r1"}}\n{"big":12345678901234567,"f":1.50}\n',
  );
  assertEquals(
    toBulkItem("logs", doc("b")).lines.split("\n")[0],
    '{"index":{"_index":"logs","_id":"b"}}',
  );
});

Deno.test("bulk: batches stay under the byte budget; an oversized item goes alone", () => {
  const items = ["a", "b", "c", "d"].map((id) => toBulkItem("i", doc(id, { t: "x".repeat(40) })));
  const size = byteLength(items[0].lines);
  assertEquals(toBatches(items, size * 2).map((b) => b.length), [2, 2]);
  assertEquals(toBatches(items, 10).map((b) => b.length), [1, 1, 1, 1]);
  assertEquals(toBatches([], 100), []);
  assertEquals(byteLength("é✓😀"), new TextEncoder().encode("é✓😀").length);
});

Deno.test("bulk: answers sorted into written, retry (429, 5xx) and refused (4xx)", () => {
  const items = ["a", "b", "c", "d"].map((id) => toBulkItem("i", doc(id)));
  const outcome = classifyBulkResponse(items, {
    errors: true,
    items: [
      { index: { status: 201 } },
      {
        index: {
          status: 429,
          error: { type: "es_rejected_execution_exception", reason: "queue full" },
        },
      },
      {
        index: {
          status: 400,
          error: {
            type: "mapper_parsing_exception",
            reason: "failed to parse field [n]",
            caused_by: { type: "number_format_exception", reason: 'For input string: "x"' },
          },
        },
      },
      { index: { status: 200 } },
    ],
  });
  assertEquals(outcome.written.map((i) => i.document.id), ["a", "d"]);
  assertEquals(outcome.retry.map((f) => [f.item.document.id, f.status]), [["b", 429]]);
  assertEquals(outcome.refused.map((f) => f.item.document.id), ["c"]);
  assertStringIncludes(outcome.refused[0].reason, "mapper_parsing_exception: failed to parse");
  assertStringIncludes(outcome.refused[0].reason, "For input string");
});

Deno.test("bulk: an answer that does not line up is retried whole, nothing assumed written", () => {
  const items = [toBulkItem("i", doc("a")), toBulkItem("i", doc("b"))];
  const outcome = classifyBulkResponse(items, { items: [{ index: { status: 201 } }] });
  assertEquals(outcome.written.length, 0);
  assertEquals(outcome.retry.length, 2);
});

Deno.test("limit: halves on push-back, never below one, climbs back one at a time", () => {
  const limit = new AdaptiveLimit(8, 2);
  limit.pushedBack();
  assertEquals(limit.limit, 4);
  for (let i = 0; i < 5; i++) limit.pushedBack();
  assertEquals(limit.limit, 1);
  limit.succeeded();
  assertEquals(limit.limit, 1);
  limit.succeeded();
  assertEquals(limit.limit, 2);
  for (let i = 0; i < 40; i++) limit.succeeded();
  assertEquals(limit.limit, 8);
});

Deno.test("limit: waiters get in as places free up, never more than the limit", async () => {
  const limit = new AdaptiveLimit(2);
  let peak = 0;
  const task = async () => {
    await limit.acquire();
    peak = Math.max(peak, limit.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    limit.release();
  };
  await Promise.all(Array.from({ length: 10 }, task));
  assertEquals(peak, 2);
  assertEquals(limit.inFlight, 0);
});

Deno.test("rate: a second's worth at once, then waits in proportion", () => {
  let now = 0;
  const rate = new RateLimit(100, () => now);
  assertEquals(rate.reserve(100), 0);
  assertEquals(rate.reserve(50), 500);
  now = 1000;
  // Refilled by 100, 50 were owed: 50 left, so 50 more go at once.
  assertEquals(rate.reserve(50), 0);
});

Deno.test("json: long integers survive; canonical form ignores key order and 1.0 vs 1", () => {
  const text = '{"b":[1.0,{"y":2,"x":1}],"a":12345678901234567891}';
  assertEquals(stringifyJsonExact(parseJsonExact(text)), text);
  assertEquals(
    canonicalJson(parseJsonExact(text)),
    '{"a":12345678901234567891,"b":[1,{"x":1,"y":2}]}',
  );
  assertEquals(canonicalJson(JSON.parse('{"b":[1,{"x":1,"y":2}]}')), '{"b":[1,{"x":1,"y":2}]}');
  assertEquals(stringifyJsonExact(parseJsonExact('{"a":"ü"}')), '{"a":"ü"}');
});

Deno.test("progress: rate over the window, percent and ETA", () => {
  const model = new ProgressModel(1000, 0, 10_000);
  model.update(0, 0);
  const snapshot = model.update(200, 2000);
  assertEquals(snapshot.rate, 100);
  assertEquals(snapshot.percent, 20);
  assertEquals(snapshot.etaSeconds, 8);
  assertEquals(formatProgress(snapshot), "200 / 1,000 docs (20.0%)  100 docs/s  ETA 8s");
  assertEquals(formatDuration(3725), "1h02m");
  assertEquals(formatDuration(65), "1m05s");
  const stalled = new ProgressModel(10, 0).update(0, 1000);
  assertEquals(stalled.etaSeconds, undefined);
});

Deno.test("json: only long integers take the lossless parser; doubles round-trip natively", () => {
  // A double's 17 digits would parse the same either way, but the fast path must keep them.
  const fractional = '{"f":0.84442185152504812,"e":1.2345678901234567e-5}';
  assertEquals(
    stringifyJsonExact(parseJsonExact(fractional)),
    JSON.stringify(JSON.parse(fractional)),
  );
  assertEquals(
    stringifyJsonExact(parseJsonExact('{"n":-12345678901234567}')),
    '{"n":-12345678901234567}',
  );
});

Deno.test("json: digits inside strings (hex ids, hashes) keep the fast parser", () => {
  const text = '{"id":"d5124371712345678901234567f2","n":[12345678901234567]}';
  assertEquals(stringifyJsonExact(parseJsonExact(text)), text);
  const hex = '{"id":"aa1234567890123456789bb","f":0.12345678901234567}';
  // The fast parser gives plain numbers back (no LosslessNumber objects).
  assertEquals(typeof (parseJsonExact(hex) as { f: unknown }).f, "number");
});

Deno.test("units: a large shard is cut so no range exceeds MAX_RANGE numbers", () => {
  const units = planUnits("big", [{ shard: 0, maxSeqNo: MAX_RANGE * 3 + 10 }], 1);
  assertEquals(units.length, 4);
  for (const unit of units.slice(0, -1)) assert(unit.to! - unit.from <= MAX_RANGE);
  assertEquals(units.at(-1)!.to, null);
});
