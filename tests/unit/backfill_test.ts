/**
 * Pure parts of the native engine: slices, bulk bodies and answers, pacing, JSON, progress; and
 * the bulk writer against a scripted target (counts, dead letters, stopping).
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  afterPass,
  isOpenRange,
  MAX_RANGE,
  mayFinish,
  partOf,
  planUnits,
  readyToFinish,
  resumeFrom,
  shardsOfPart,
} from "../../src/backfill/units.ts";
import { BadInputError, FetchMigrationError } from "../../src/errors.ts";
import { parsePart, partJournalName, runJournalPath } from "../../src/journal/run-journal.ts";
import {
  blockedIndexError,
  bulkBody,
  bulkText,
  classifyBulkResponse,
  failureKey,
  shortReason,
  toBatches,
  toBulkItem,
} from "../../src/backfill/bulk.ts";
import { isAbort, pause, unlessAborted } from "../../src/abort.ts";
import { AdaptiveLimit, RateLimit } from "../../src/backfill/limiter.ts";
import { indicesToTune } from "../../src/backfill/tune.ts";
import { BulkWriter } from "../../src/backfill/writer.ts";
import { DeadLetterFile } from "../../src/backfill/deadletter.ts";
import { scriptedTarget } from "./scripted_target.ts";
import { configureLogging, type LogRecord, resetLogging } from "../../src/deps.ts";
import { LOG_ROOT } from "../../src/log.ts";
import { parseJsonExact, stringifyJsonExact } from "../../src/backfill/json.ts";
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

Deno.test("parts: a shard's part is the first 4 bytes of SHA-256 of index/shard, mod N, plus 1; fixed forever", () => {
  // Pinned: processes of one run, or a part re-run after an upgrade, must agree on every shard.
  assertEquals([0, 1, 2, 3, 4, 5].map((shard) => partOf("logs", shard, 3)), [2, 1, 3, 1, 2, 1]);
  assertEquals([0, 1, 2, 3, 4, 5].map((shard) => partOf("orders", shard, 3)), [3, 3, 2, 3, 2, 3]);
  assertEquals(partOf("logs", 0, 1), 1);
});

Deno.test("parts: the parts of N take every shard of every index once, whatever the shards' sizes", () => {
  for (const count of [1, 2, 3, 5]) {
    for (const index of ["logs", "orders", "a-much-longer-index-name-2024.01.01"]) {
      const shards = Array.from({ length: 12 }, (_, shard) => ({ shard, maxSeqNo: shard * 1000 }));
      const taken = Array.from(
        { length: count },
        (_, k) => shardsOfPart(index, shards, { index: k + 1, count }).map(({ shard }) => shard),
      );
      assertEquals(taken.flat().sort((a, b) => a - b), shards.map(({ shard }) => shard));
      // The share depends on the names alone, not on sequence numbers.
      const emptied = shards.map(({ shard }) => ({ shard, maxSeqNo: -1 }));
      assertEquals(
        Array.from(
          { length: count },
          (_, k) => shardsOfPart(index, emptied, { index: k + 1, count }).map(({ shard }) => shard),
        ),
        taken,
      );
    }
  }
  const six = Array.from({ length: 6 }, (_, shard) => ({ shard, maxSeqNo: 99 }));
  assertEquals(shardsOfPart("logs", six, undefined), six, "no part: every shard");
  // A 6-shard index spread over 3 parts, each slicing only its own shards.
  const part1 = planUnits("logs", shardsOfPart("logs", six, { index: 1, count: 3 }), 3);
  assertEquals([...new Set(part1.map((unit) => unit.shard))], [1, 3, 5]);
  assertEquals(part1.map((unit) => unit.id), ["logs/s1/r0", "logs/s3/r0", "logs/s5/r0"]);
});

Deno.test("parts: --part reads k/N with 1 <= k <= N, and names the part's journal", () => {
  assertEquals(parsePart("2/3"), { index: 2, count: 3 });
  assertEquals(parsePart(" 1 / 1 "), { index: 1, count: 1 });
  for (const bad of ["0/3", "4/3", "3", "1/0", "a/b", "-1/3", "1.5/3", "1/3/4", ""]) {
    let error: unknown;
    try {
      parsePart(bad);
    } catch (caught) {
      error = caught;
    }
    assert(error instanceof BadInputError, `--part ${bad} must be bad input`);
    assertStringIncludes(error.message, "expected k/N with 1 <= k <= N");
  }
  const part = { index: 2, count: 3 };
  const path = runJournalPath("http://s:9200", "http://t:9200", "/state", partJournalName(part));
  assert(path.endsWith("-part-2-of-3.json"), path);
  assert(
    path !== runJournalPath(
      "http://s:9200",
      "http://t:9200",
      "/state",
      partJournalName({
        index: 1,
        count: 3,
      }),
    ),
  );
  assertStringIncludes(
    runJournalPath("http://s:9200", "http://t:9200", "/state", partJournalName(part, "logs")),
    "-logs-part-2-of-3.json",
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
    bulkText([item]),
    '{"index":{"_index":"logs","_id":"a\\"1","routing":"r1"}}\n{"big":12345678901234567,"f":1.50}\n',
  );
  assertEquals(
    bulkText([toBulkItem("logs", doc("b"))]).split("\n")[0],
    '{"index":{"_index":"logs","_id":"b"}}',
  );
});

Deno.test("bulk: a source read as bytes goes out as those very bytes", () => {
  const raw = new TextEncoder().encode('{"n":1.0e0,"s":"é✓😀","big":12345678901234567890}');
  const item = toBulkItem("logs", { id: "x", raw, seqNo: 0 });
  assertEquals(item.bytes, bulkBody([item]).length);
  assertEquals(
    bulkText([item, item]),
    '{"index":{"_index":"logs","_id":"x"}}\n{"n":1.0e0,"s":"é✓😀","big":12345678901234567890}\n'
      .repeat(2),
  );
  // An id beyond ASCII: its action line counted and copied in UTF-8.
  const wide = toBulkItem("logs", { id: "ü✓😀", raw, seqNo: 0 });
  assertEquals(wide.bytes, bulkBody([wide]).length);
  assertStringIncludes(bulkText([item, wide, item]), '"_id":"ü✓😀"}}\n{"n":1.0e0');
});

Deno.test("bulk: batches stay under the byte budget; an oversized item goes alone", () => {
  const items = ["a", "b", "c", "d"].map((id) => toBulkItem("i", doc(id, { t: "x".repeat(40) })));
  const size = items[0].bytes;
  assertEquals(toBatches(items, size * 2).map((b) => b.length), [2, 2]);
  assertEquals(toBatches(items, 10).map((b) => b.length), [1, 1, 1, 1]);
  assertEquals(toBatches([], 100), []);
  const multibyte = toBulkItem("i", doc("e", { t: "é✓😀" }));
  assertEquals(multibyte.bytes, bulkBody([multibyte]).length);
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

Deno.test("json: long integers survive a parse and a serialisation", () => {
  const text = '{"b":[1.0,{"y":2,"x":1}],"a":12345678901234567891}';
  assertEquals(stringifyJsonExact(parseJsonExact(text)), text);
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

Deno.test("units: range boundaries never pass the shard's numbers, so later writes land in the open range", () => {
  // 11 numbers in 5 ranges: equal steps of 3 would have started the open range at 12.
  for (const [maxSeqNo, slices] of [[10, 5], [20, 10], [99, 4], [1000, 7], [MAX_RANGE * 2, 3]]) {
    const units = planUnits("x", [{ shard: 0, maxSeqNo }], slices);
    const open = units.at(-1)!;
    assert(isOpenRange(open));
    assert(open.from <= maxSeqNo + 1, `open range starts at ${open.from} past ${maxSeqNo + 1}`);
    // Contiguous, starting at 0, none empty.
    assertEquals(units[0].from, 0);
    for (let at = 1; at < units.length; at++) {
      assertEquals(units[at].from, units[at - 1].to);
      assert(units[at - 1].to! > units[at - 1].from);
    }
  }
});

Deno.test("units: an open range may finish only once the other ranges of its shard are done", () => {
  const units = [
    ...planUnits("a", [{ shard: 0, maxSeqNo: 999 }, { shard: 1, maxSeqNo: 999 }], 6),
    ...planUnits("b", [{ shard: 0, maxSeqNo: 999 }], 3),
  ];
  const a0 = units.filter((u) => u.index === "a" && u.shard === 0);
  const open = a0.at(-1)!;
  assertEquals(a0.length, 3);
  // Bounded ranges may always finish; the open one waits for its own shard's ranges only.
  assert(a0.slice(0, -1).every((unit) => mayFinish(unit, units)));
  assert(!mayFinish(open, units));
  a0[0].done = true;
  assert(!mayFinish(open, units));
  assertEquals(readyToFinish([open], units), []);
  a0[1].done = true;
  // Other shards and indices, unfinished, do not hold it back.
  assert(units.some((u) => u.index === "b" && !u.done));
  assert(mayFinish(open, units));
  assertEquals(readyToFinish([open], units), [open]);
  // A shard cut into one open range finishes on its first pass; so does a resumed open range
  // whose siblings an earlier run finished (the journal says so).
  const [alone] = planUnits("c", [{ shard: 0, maxSeqNo: -1 }], 4);
  assert(mayFinish(alone, [alone]));
  const resumed = planUnits("d", [{ shard: 0, maxSeqNo: 99 }], 2).map((u) => ({ ...u }));
  resumed[0].done = true;
  assert(mayFinish(resumed[1], resumed));
});

Deno.test("units: after a pass, an open range is done only if the pass began after its siblings", () => {
  const units = planUnits("a", [{ shard: 0, maxSeqNo: 999 }], 3);
  const [first, second, open] = units;
  assertEquals(afterPass(first, units, mayFinish(first, units)), "done");
  // The pass began with a sibling still reading, which is still reading: wait for it.
  first.done = true;
  const began = mayFinish(open, units);
  assertEquals(afterPass(open, units, began), "wait");
  // The last sibling finished while the open range was being read: once more, from now.
  second.done = true;
  assertEquals(afterPass(open, units, began), "again");
  // That pass began with every sibling done: it finishes the range.
  assertEquals(afterPass(open, units, mayFinish(open, units)), "done");
});

Deno.test("bulk: refusals counted under status and error type; reasons shortened for logs", () => {
  const items = ["a", "b", "c"].map((id) => toBulkItem("i", doc(id)));
  const outcome = classifyBulkResponse(items, {
    items: [
      { index: { status: 400, error: { type: "mapper_parsing_exception", reason: "x" } } },
      { index: { status: 429, error: { type: "es_rejected_execution_exception" } } },
      { index: { status: 400, error: "plain words" } },
    ],
  });
  assertEquals(
    [...outcome.refused, ...outcome.retry].map(failureKey),
    ["400 mapper_parsing_exception", "400 error", "429 es_rejected_execution_exception"],
  );
  const long = shortReason(`a  b\n${"x".repeat(500)}`);
  assertEquals(long.length, 160);
  assert(long.startsWith("a b x") && long.endsWith("…"));
  assertEquals(shortReason("short"), "short");
});

Deno.test("waits: pause, a rate wait and a wait for a place end at once when the run stops", async () => {
  const controller = new AbortController();
  const { signal } = controller;
  const started = performance.now();
  const rate = new RateLimit(10);
  rate.reserve(10);
  // 100 documents at 10/s: ten seconds, unless stopped.
  const rateWait = rate.take(100, signal);
  const sleeping = pause(60_000, signal);
  const limit = new AdaptiveLimit(1);
  await limit.acquire(signal);
  const place = limit.acquire(signal);
  // A read that never answers.
  const reading = unlessAborted(new Promise<never>(() => {}), signal);
  const outcomes = Promise.allSettled([rateWait, sleeping, place, reading]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assertEquals(limit.waiting, 1);
  controller.abort();
  const results = await outcomes;
  assert(performance.now() - started < 1000, "a wait outlived the stop");
  for (const result of results) {
    assertEquals(result.status, "rejected");
    assert(isAbort((result as PromiseRejectedResult).reason, signal));
  }
  // The stopped waiter took no place and left the queue; the held place is still held.
  assertEquals(limit.waiting, 0);
  assertEquals(limit.inFlight, 1);
  limit.release();
  assertEquals(limit.inFlight, 0);
  // Already stopped: nothing waits, nothing is taken.
  await pause(0, signal).then(() => assert(false), (e) => assert(isAbort(e, signal)));
  await limit.acquire(signal).then(() => assert(false), (e) => assert(isAbort(e, signal)));
  assertEquals(limit.inFlight, 0);
  await new RateLimit(1).take(1, signal).then(() => assert(false), () => {});
  // Without a stop the same waits just end; an error that is not the stop is not taken for it.
  await pause(1);
  assertEquals(await unlessAborted(Promise.resolve(7), new AbortController().signal), 7);
  assert(!isAbort(new Error("boom"), signal));
  assert(!isAbort(new DOMException("x", "AbortError"), new AbortController().signal));
});

async function captureWarnings<T>(run: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  await configureLogging({
    reset: true,
    sinks: { memory: (record: LogRecord) => lines.push(record.message.join("")) },
    loggers: [
      { category: [LOG_ROOT], lowestLevel: "warning", sinks: ["memory"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
  });
  try {
    return { value: await run(), lines };
  } finally {
    await resetLogging();
  }
}

Deno.test("writer: a page resolves with what the target acknowledged and what was dead-lettered", async () => {
  const directory = await Deno.makeTempDir();
  try {
    // Every third document refused for good, every answer otherwise clean.
    const { client } = scriptedTarget((ids) => ({
      status: 200,
      body: {
        errors: true,
        items: ids.map((id) =>
          Number(id.slice(1)) % 3 === 0
            ? {
              index: {
                status: 400,
                error: { type: "mapper_parsing_exception", reason: "y".repeat(400) },
              },
            }
            : { index: { status: 201 } }
        ),
      },
    }));
    const deadLetters = new DeadLetterFile(`${directory}/dead.ndjson`);
    const writer = new BulkWriter(client, {
      concurrency: 2,
      batchBytes: 200,
      maxAttempts: 2,
      deadLetters,
    });
    const { value: outcomes, lines } = await captureWarnings(async () => {
      const first = await writer.write("i", Array.from({ length: 30 }, (_, n) => doc(`d${n}`)));
      const second = await writer.write("i", Array.from({ length: 30 }, (_, n) => doc(`d${n}`)));
      return [first, second];
    });
    deadLetters.close();
    assertEquals(outcomes, [{ written: 20, deadLettered: 10 }, { written: 20, deadLettered: 10 }]);
    assertEquals(writer.stats.written, 40);
    assertEquals(writer.stats.deadLetterReasons, { "400 mapper_parsing_exception": 20 });
    // Three refusals of the whole run named, shortly, then one line saying the rest are not.
    assertEquals(lines.length, 4, lines.join("\n"));
    assert(lines.slice(0, 3).every((line) => line.length < 260), lines.join("\n"));
    assertStringIncludes(lines[3], "not logged one by one");
    const letters = (await Deno.readTextFile(`${directory}/dead.ndjson`)).trim().split("\n");
    assertEquals(letters.length, 20);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("writer: push-back still refused after the attempts is dead-lettered, counted per reason", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const { client } = scriptedTarget((ids) => ({
      status: 200,
      body: {
        errors: true,
        items: ids.map((id) =>
          id === "a"
            ? { index: { status: 201 } }
            : { index: { status: 429, error: { type: "es_rejected_execution_exception" } } }
        ),
      },
    }));
    const deadLetters = new DeadLetterFile(`${directory}/dead.ndjson`);
    const writer = new BulkWriter(client, {
      concurrency: 1,
      batchBytes: 1 << 20,
      maxAttempts: 2,
      deadLetters,
    });
    const { value } = await captureWarnings(() => writer.write("i", [doc("a"), doc("b")]));
    deadLetters.close();
    assertEquals(value, { written: 1, deadLettered: 1 });
    assertEquals(writer.stats.retried, 1);
    assertEquals(writer.stats.deadLetterReasons, { "429 es_rejected_execution_exception": 1 });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("writer: copied documents skip the target's default ingest pipeline (pipeline=_none), the answer cut to statuses", async () => {
  const { client, lastQuery } = scriptedTarget((ids) => ({
    status: 200,
    body: { items: ids.map(() => ({ index: { status: 201 } })) },
  }));
  const writer = new BulkWriter(client, {
    concurrency: 1,
    batchBytes: 1 << 20,
    maxAttempts: 1,
    deadLetters: new DeadLetterFile("/nonexistent/never-written.ndjson"),
  });
  assertEquals(await writer.write("i", [doc("a")]), { written: 1, deadLettered: 0 });
  assertEquals(lastQuery(), {
    pipeline: "_none",
    filter_path: "errors,items.*.status,items.*.error,error,status",
  });
});

Deno.test("writer: a stop ends a rate wait at once; the page rejects, nothing more is sent", async () => {
  const { client, requests } = scriptedTarget((ids) => ({
    status: 200,
    body: { items: ids.map(() => ({ index: { status: 201 } })) },
  }));
  const controller = new AbortController();
  const writer = new BulkWriter(client, {
    concurrency: 4,
    batchBytes: 1 << 20,
    maxAttempts: 3,
    deadLetters: new DeadLetterFile("/nonexistent/never-written.ndjson"),
    rate: new RateLimit(10),
    signal: controller.signal,
  });
  assertEquals(await writer.write("i", [doc("a")]), { written: 1, deadLettered: 0 });
  // 100 documents at 10/s would wait ten seconds.
  const started = performance.now();
  const page = writer.write("i", Array.from({ length: 100 }, (_, n) => doc(`d${n}`)));
  setTimeout(() => controller.abort(), 20);
  const error = await page.then(() => undefined, (e) => e);
  assert(isAbort(error, controller.signal), String(error));
  assert(performance.now() - started < 1000);
  assertEquals(requests(), 1);
  assertEquals(writer.stats.written, 1);
});

Deno.test("an index block is waited out, not dead-lettered; the error names the index, the flood stage and the fix", () => {
  const items = [toBulkItem("logs", { id: "a", source: "{}" } as never)];
  const flood = classifyBulkResponse(items, {
    items: [{
      index: {
        status: 429,
        error: {
          type: "cluster_block_exception",
          reason: "index [logs] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded " +
            "flood-stage watermark, index has read-only-allow-delete block];",
        },
      },
    }],
  });
  assertEquals(flood.refused, []);
  assertEquals(flood.retry.length, 1);
  const error = blockedIndexError(flood.retry[0]) as FetchMigrationError;
  assertEquals(error.errorKind, "refused");
  assertStringIncludes(error.message, "refuses writes to logs");
  assertStringIncludes(error.message, "flood-stage watermark");
  assertStringIncludes(error.hint!, "run the same command again");
  const written = classifyBulkResponse(items, {
    items: [{
      index: {
        status: 403,
        error: {
          type: "cluster_block_exception",
          reason: "blocked by: [FORBIDDEN/8/index write (api)];",
        },
      },
    }],
  });
  assertEquals(written.refused, [], "a write block is not a refusal of the document");
  assertStringIncludes(blockedIndexError(written.retry[0]).message, "the index is blocked");
});

Deno.test("tuning: by default only the indices the run created load tuned", () => {
  const at = "2026-12-03T00:00:00Z";
  const journal = {
    entries: [
      { kind: "index" as const, name: "new", status: "created" as const, at },
      { kind: "index" as const, name: "half", status: "pending" as const, at },
      { kind: "index-template" as const, name: "old", status: "created" as const, at },
    ],
  };
  const indices = ["new", "half", "old", "existing"];
  assertEquals(indicesToTune("created", indices, journal), ["new"]);
  assertEquals(indicesToTune("all", indices, journal), indices);
  assertEquals(indicesToTune("none", indices, journal), []);
});
