/**
 * Search answers read as bytes (src/backfill/hits.ts), the page sizes learned from them
 * (nextPageSize) and the buffers they are read into (buffers.ts): what the copy writes is exactly
 * what the source sent, a page of large documents is small, and buffers are used again.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { BufferPool } from "../../src/backfill/buffers.ts";
import { HitsFormatError, scanHits } from "../../src/backfill/hits.ts";
import { nextPageSize, PAGE_BYTES } from "../../src/backfill/reader.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes?: Uint8Array) => bytes && new TextDecoder().decode(bytes);

/** An Elasticsearch 7 answer with these hits, formatted as Elasticsearch does. */
function answer(hits: string[]): Uint8Array {
  return encode(
    `{"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},` +
      `"hits":{"max_score":null,"hits":[${hits.join(",")}]}}`,
  );
}

Deno.test("hits: id, routing, sort value and the _source's very bytes, in order", () => {
  const sources = [
    '{"n":1.50,"big":12345678901234567890,"s":"é✓😀","e":"a\\"}{[,"}',
    '{"nested":[{"a":[1,2,{"b":null}]},true,false],"empty":{},"list":[]}',
  ];
  const hits = scanHits(answer([
    `{"_index":"logs","_type":"_doc","_id":"a\\"1","_score":null,"_routing":"r1","_source":${
      sources[0]
    },"sort":[41]}`,
    `{"_index":"logs","_id":"ü/2","_score":null,"_source":${sources[1]},"sort":[9007199254740991]}`,
  ]));
  assertEquals(hits.map((hit) => hit.id), ['a"1', "ü/2"]);
  assertEquals(hits.map((hit) => hit.routing), ["r1", undefined]);
  assertEquals(hits.map((hit) => hit.sortValue), [41, 9007199254740991]);
  assertEquals(hits.map((hit) => decode(hit.source)), sources);
});

Deno.test("hits: a _source stored pretty-printed comes out on one line, its strings intact", () => {
  const hits = scanHits(answer([
    `{"_id":"p","_source":{\n  "a" : 1,\r\n  "b" : "x\\ny"\n},"sort":[0]}`,
  ]));
  assertEquals(decode(hits[0].source), '{   "a" : 1,    "b" : "x\\ny" }');
  assertEquals(JSON.parse(decode(hits[0].source)!), { a: 1, b: "x\ny" });
});

Deno.test("hits: an answer without hits, without _source, or spaced out", () => {
  assertEquals(scanHits(answer([])), []);
  assertEquals(scanHits(encode('{"hits":{"total":0,"hits":[]}}')), []);
  const hits = scanHits(encode(' { "hits" : { "hits" : [ { "_id" : "x" , "sort" : [ 3 ] } ] } } '));
  assertEquals(hits, [{ id: "x", sortValue: 3 }]);
  // A key written with an escape, a negative sort value, a key of the right length but not ours.
  const odd = scanHits(encode('{"hits":{"hits":[{"\\u005fid":"e","_idx":"f","sort":[-5]}]}}'));
  assertEquals(odd, [{ id: "e", sortValue: -5 }]);
});

Deno.test("hits: a cut-off or foreign answer is a format error, not a wrong document", () => {
  const cut = answer(['{"_id":"a","_source":{"x":"yy"},"sort":[1]}']).subarray(0, 60);
  assertThrows(() => scanHits(cut), HitsFormatError);
  assertThrows(() => scanHits(encode("<html>busy</html>")), HitsFormatError);
  assertThrows(() => scanHits(encode('{"hits":{"hits":[{"_source":{}}]}}')), HitsFormatError);
});

Deno.test("page sizes: one document first, then by the largest one, at most four times more", () => {
  // Ten 20 MB documents in one answer were enough to take a 1 GB Elasticsearch node down.
  assertEquals(nextPageSize(1000), 1);
  // 1 KB documents: 1, 4, 16, 64, 256, then the operator's page size.
  assertEquals(nextPageSize(1000, { size: 1, largest: 1024 }), 4);
  assertEquals(nextPageSize(1000, { size: 256, largest: 1024 }), 1000);
  assertEquals(nextPageSize(100, { size: 64, largest: 1024 }), 100);
  // 20 MB documents: one at a time; 1 MB ones: a page of about PAGE_BYTES.
  assertEquals(nextPageSize(1000, { size: 10, largest: 20 * 1024 ** 2 }), 1);
  assertEquals(nextPageSize(1000, { size: 40, largest: 1024 ** 2 }), PAGE_BYTES / 1024 ** 2);
});

Deno.test("buffer pool: a buffer given back serves the next take of its size; huge ones are not kept", () => {
  const pool = new BufferPool(2, 4 * 1024 ** 2);
  const first = pool.take(1_200_000);
  assert(first.length >= 1_200_000);
  pool.give(first);
  assert(pool.take(1_100_000) === first, "the free buffer is used again");
  const huge = pool.take(20 * 1024 ** 2);
  pool.give(huge);
  assert(pool.take(20 * 1024 ** 2) !== huge, "a 20 MB buffer is left to the collector");
  // At most two kept: the smallest makes room for a larger one.
  const [a, b, c] = [pool.take(1), pool.take(2 * 1024 ** 2), pool.take(3 * 1024 ** 2)];
  for (const buffer of [a, b, c]) pool.give(buffer);
  assert(pool.take(3 * 1024 ** 2) === c);
  assert(pool.take(2 * 1024 ** 2) === b);
});
