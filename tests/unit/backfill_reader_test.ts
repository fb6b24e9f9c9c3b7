/**
 * The slice reader's searches, against a scripted shard: every document once and in order, and
 * each page searching a window of sequence numbers past the last one read rather than the whole
 * rest of the range (which costs the source work in proportion to what is left, every page).
 */
import { assert, assertEquals } from "../assert.ts";
import type { ClusterClient } from "../../src/cluster/client.ts";
import type { ClusterInfo } from "../../src/cluster/version.ts";
import type { BackfillUnit } from "../../src/journal/journal.ts";
import { readSlice } from "../../src/backfill/reader.ts";

interface SeqRange {
  gte: number;
  lt?: number;
}

/** A shard holding documents at `seqNos`, answering the reader's sorted, ranged searches. */
function scriptedShard(seqNos: number[]) {
  const searched: SeqRange[] = [];
  const client = {
    url: "http://source.test",
    request: (
      _method: string,
      _path: string,
      options: {
        body: {
          size: number;
          search_after: [number];
          query: { range: { _seq_no: SeqRange } };
        };
      },
    ) => {
      const { size, search_after: [after], query } = options.body;
      const range = query.range._seq_no;
      searched.push(range);
      const hits = seqNos
        .filter((n) => n > after && n >= range.gte && (range.lt === undefined || n < range.lt))
        .slice(0, size)
        .map((n) => ({ _id: `d${n}`, _source: { n }, sort: [n] }));
      const body = JSON.stringify({ hits: { hits } });
      return Promise.resolve({ status: 200, headers: new Headers(), body });
    },
  } as unknown as ClusterClient;
  return { client, searched };
}

const INFO = { distribution: "opensearch", major: 2, minor: 19 } as unknown as ClusterInfo;

function openUnit(): BackfillUnit {
  return {
    id: "i/s0/r0",
    index: "i",
    shard: 0,
    from: 0,
    to: null,
    after: null,
    copied: 0,
    done: false,
  };
}

Deno.test("readSlice: windows of numbers, dense and sparse stretches, every document once", async () => {
  // Dense, then one in fifty (updated documents leave gaps), then dense again.
  const seqNos = [
    ...Array.from({ length: 3000 }, (_, i) => i),
    ...Array.from({ length: 140 }, (_, i) => 3000 + i * 50),
    ...Array.from({ length: 3000 }, (_, i) => 10_000 + i),
  ];
  const { client, searched } = scriptedShard(seqNos);
  const read: number[] = [];
  for await (const page of readSlice(client, INFO, openUnit(), 500)) {
    read.push(...page.documents.map((document) => document.seqNo));
  }
  assertEquals(read, seqNos);
  // Searches end at a window; only the first, the one after the window that came back short
  // where the numbers thin out, and the last reach the end of the range.
  const unbounded = searched.filter((range) => range.lt === undefined).length;
  assertEquals(unbounded, 3, `${unbounded} of ${searched.length} searches to the range's end`);
  assert(searched.length <= 20, `${searched.length} searches`);
});

Deno.test("readSlice: a closed range ends at its bound, windows never past it", async () => {
  const { client, searched } = scriptedShard(Array.from({ length: 5000 }, (_, i) => i));
  const unit = { ...openUnit(), from: 1000, to: 4000 };
  let count = 0;
  let last = -1;
  for await (const page of readSlice(client, INFO, unit, 300)) {
    for (const document of page.documents) {
      assert(document.seqNo > last);
      last = document.seqNo;
      count++;
    }
  }
  assertEquals([count, last], [3000, 3999]);
  assert(searched.every((range) => range.gte === 1000 && (range.lt ?? Infinity) <= 4000));
});
