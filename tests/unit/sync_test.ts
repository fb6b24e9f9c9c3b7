/** sync's pure logic: checkpoints from a backfill, pass ranges, lag arithmetic, the pass schedule, the delete finder's keys, and the metrics text. */
import { assert, assertEquals } from "../assert.ts";
import {
  advance,
  checkpointOf,
  type Checkpoints,
  checkpointsFromBackfill,
  checksDeletes,
  lagOf,
  lagSeconds,
  passRange,
} from "../../src/sync/state.ts";
import { keyBucket, keyDigest, keysOnlyIn, keyText } from "../../src/sync/deletes.ts";
import { syncMetricsText } from "../../src/sync/metrics.ts";
import { createdBefore6 } from "../../src/sync/sync.ts";
import type { BackfillUnit } from "../../src/journal/journal.ts";
import type { DocumentKey } from "../../src/sync/deletes.ts";
import { BucketTable, differingBuckets } from "../../src/verify/digest.ts";

function unit(shard: number, from: number, to: number | null, after: number | null): BackfillUnit {
  return { id: `i/s${shard}/r`, index: "i", shard, from, to, after, copied: 0, done: true };
}

Deno.test("checkpoints start at the lower of where each open range stopped and what its last pass settled", () => {
  const checkpoints = checkpointsFromBackfill([
    unit(0, 0, 50, 49),
    { ...unit(0, 50, null, 120), settled: 118 },
    { ...unit(1, 0, null, null), settled: -1 },
    { ...unit(2, 0, null, 30), settled: 40 },
    // A journal without settled numbers: the open range is read again from its start.
    unit(3, 10, null, 99),
  ]);
  assertEquals(checkpoints, { i: { "0": 118, "1": -1, "2": 30, "3": 9 } });
});

Deno.test("checkpoints never move backwards; unknown shards and indices are at -1", () => {
  const checkpoints: Checkpoints = { i: { "0": 10 } };
  advance(checkpoints, "i", 0, 5);
  assertEquals(checkpointOf(checkpoints, "i", 0), 10);
  advance(checkpoints, "i", 0, 12);
  assertEquals(checkpointOf(checkpoints, "i", 0), 12);
  assertEquals(checkpointOf(checkpoints, "i", 3), -1);
  assertEquals(checkpointOf(checkpoints, "new", 0), -1);
  advance(checkpoints, "new", 2, 7);
  assertEquals(checkpoints.new, { "2": 7 });
});

Deno.test("a pass reads after the checkpoint up to the local checkpoint, never past an unprocessed operation", () => {
  assertEquals(passRange(10, { shard: 0, maxSeqNo: 20, localCheckpoint: 18 }), {
    from: 11,
    to: 19,
  });
  assertEquals(passRange(18, { shard: 0, maxSeqNo: 20, localCheckpoint: 18 }), undefined);
  assertEquals(passRange(-1, { shard: 0, maxSeqNo: -1, localCheckpoint: -1 }), undefined);
  assertEquals(passRange(-1, { shard: 0, maxSeqNo: 3, localCheckpoint: 3 }), { from: 0, to: 4 });
});

Deno.test("lag: operations above the checkpoints, summed over shards and indices", () => {
  const positions = {
    a: [{ shard: 0, maxSeqNo: 100, localCheckpoint: 100 }, {
      shard: 1,
      maxSeqNo: 7,
      localCheckpoint: 7,
    }],
    b: [{ shard: 0, maxSeqNo: 4, localCheckpoint: 4 }],
  };
  assertEquals(lagOf(positions, { a: { "0": 90, "1": 7 }, b: {} }), 10 + 0 + 5);
  assertEquals(lagOf(positions, { a: { "0": 200, "1": 7 }, b: { "0": 4 } }), 0);
});

Deno.test("lag in seconds: 0 when nothing is behind, else since the older of the last pass and the last delete check", () => {
  const now = new Date("2026-12-01T10:00:10Z");
  const times = {
    syncStart: "2026-12-01T09:00:00Z",
    lastPassStart: "2026-12-01T10:00:08Z",
    lastDeletesStart: "2026-12-01T10:00:05Z",
  };
  assertEquals(lagSeconds(0, times, now), 0);
  assertEquals(lagSeconds(3, times, now), 5);
  assertEquals(lagSeconds(3, { ...times, lastDeletesStart: "2026-12-01T10:00:09Z" }, now), 2);
  assertEquals(lagSeconds(3, { syncStart: "2026-12-01T10:00:00Z" }, now), 10);
});

Deno.test("the pass schedule: deletes every n passes, and always in a final pass", () => {
  assertEquals([1, 2, 3, 4].map((pass) => checksDeletes(pass, 1, false)), [true, true, true, true]);
  assertEquals([1, 2, 3, 4].map((pass) => checksDeletes(pass, 2, false)), [
    false,
    true,
    false,
    true,
  ]);
  assert(checksDeletes(3, 10, true));
});

Deno.test("the delete finder: id digests differ only in the buckets of the deleted ids; the ids on the target alone are the deletes", () => {
  const source = new BucketTable();
  const target = new BucketTable();
  const sourceKeys = [{ id: "a" }, { id: "b", routing: "r1" }, { id: "c" }];
  const targetKeys = [...sourceKeys, { id: "gone" }, { id: "b", routing: "r2" }];
  const bucketOf = (key: DocumentKey) => keyBucket(keyDigest(key));
  for (const key of sourceKeys) source.add(bucketOf(key), keyDigest(key));
  for (const key of targetKeys) target.add(bucketOf(key), keyDigest(key));
  const differing = new Set(differingBuckets(source, target));
  assertEquals(
    differing,
    new Set([bucketOf({ id: "gone" }), bucketOf({ id: "b", routing: "r2" })]),
  );
  const onSource = new Set(sourceKeys.filter((k) => differing.has(bucketOf(k))).map(keyText));
  const onTarget = new Map(
    targetKeys.filter((k) => differing.has(bucketOf(k))).map((k) => [keyText(k), k]),
  );
  assertEquals(keysOnlyIn(onTarget, onSource), [{ id: "b", routing: "r2" }, { id: "gone" }]);
});

Deno.test("a key's text keeps the id and routing apart", () => {
  assert(keyText({ id: "a", routing: "b" }) !== keyText({ id: "a\u0000b" }));
  assert(keyText({ id: "a" }) !== keyText({ id: "a", routing: "" }));
});

Deno.test("the sync series in Prometheus text", () => {
  const text = syncMetricsText({
    passes: 3,
    changesTotal: 120,
    deletesTotal: 40,
    lagDocuments: 7,
    lagSeconds: 1.5,
    indices: 2,
    idsRead: 9000,
  });
  assert(
    text.includes(
      "# TYPE fetch_migration_sync_lag_operations gauge\nfetch_migration_sync_lag_operations 7.0\n",
    ),
  );
  assert(text.includes("fetch_migration_sync_lag_seconds 1.5\n"));
  assert(text.includes("fetch_migration_sync_deletes_total 40.0\n"));
});

Deno.test("indices created before 6.0 are named (their old documents have no _seq_no)", () => {
  assertEquals(
    createdBefore6({
      "logs-5": { settings: { "index.version.created": "5061699" } },
      "logs-6": { settings: { "index.version.created": "6080299" } },
      "os-2": { settings: { "index.version.created": "136407827" } },
      "unknown": {},
    }),
    ["logs-5"],
  );
});
