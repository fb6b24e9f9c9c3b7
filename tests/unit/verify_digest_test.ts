/** Bucket digests: order-independent, sensitive to id, routing and content, exact on long ints. */
import { assert, assertEquals } from "../assert.ts";
import { LosslessNumber } from "../../src/deps.ts";
import { parseJsonExact } from "../../src/backfill/json.ts";
import {
  BUCKET_COUNT,
  bucketOf,
  BucketTable,
  chooseBuckets,
  differingBuckets,
  digestKey,
  documentDigest,
} from "../../src/verify/digest.ts";
import { documentBytesHasher } from "../../src/verify/hash.ts";

type Doc = { id: string; routing?: string; source: unknown };

function table(docs: Doc[], size = BUCKET_COUNT): BucketTable {
  const t = new BucketTable(size);
  for (const doc of docs) t.addDocument(doc.id, doc.routing, doc.source);
  return t;
}

const DOCS: Doc[] = Array.from({ length: 300 }, (_, i) => ({
  id: `d${i}`,
  ...(i % 7 === 0 ? { routing: `r${i % 3}` } : {}),
  source: { n: i, nested: { tags: ["a", "b"], at: i * 1.5 } },
}));

Deno.test("documentDigest: the same value however it was spelled or parsed", () => {
  const a = documentDigest("1", undefined, JSON.parse('{"a":1,"b":{"c":[1,2]}}'));
  const b = documentDigest("1", undefined, JSON.parse('{ "b": {"c": [1.0, 2]}, "a": 1.00 }'));
  assertEquals(digestKey(a), digestKey(b));
  // A page with a long run of digits is parsed losslessly; a safe number still digests alike.
  const lossless = parseJsonExact('{"a":1,"b":{"c":[1,2]},"s":"1234567890123456789"}');
  const native = JSON.parse('{"a":1,"b":{"c":[1,2]},"s":"1234567890123456789"}');
  assertEquals(
    digestKey(documentDigest("1", undefined, lossless)),
    digestKey(documentDigest("1", undefined, native)),
  );
});

Deno.test("documentDigest: id, routing and every digit of a long integer count", () => {
  const source = parseJsonExact('{"big":12345678901234567}');
  assert(
    (source as { big: unknown }).big instanceof LosslessNumber,
    "the long integer is kept as text",
  );
  const key = (id: string, routing: string | undefined, value: unknown) =>
    digestKey(documentDigest(id, routing, value));
  const base = key("1", undefined, source);
  assert(base !== key("1", undefined, parseJsonExact('{"big":12345678901234568}')));
  assert(base !== key("2", undefined, source));
  assert(base !== key("1", "r1", source));
  assertEquals(key("1", undefined, source), key("1", "", source), "no routing is empty routing");
  assertEquals(base.length, 16);
});

Deno.test("documentDigest: keys in any order, but not values moved between keys", () => {
  const key = (text: string) => digestKey(documentDigest("1", undefined, JSON.parse(text)));
  assertEquals(
    key('{"a":1,"b":[1,{"x":null,"y":true}]}'),
    key('{"b":[1,{"y":true,"x":null}],"a":1}'),
  );
  for (
    const other of [
      '{"a":2,"b":[1,{"x":null,"y":true}]}',
      '{"a":1,"b":[{"x":null,"y":true},1]}',
      '{"a":1,"b":[1,{"x":true,"y":null}]}',
      '{"b":1,"a":[1,{"x":null,"y":true}]}',
      '{"a":"1","b":[1,{"x":null,"y":true}]}',
      '{"a":1,"b":[1,{"x":null,"y":true}],"c":{}}',
      '{"a":1,"b":[1,{"x":null,"y":"true"}]}',
    ]
  ) assert(key(other) !== key('{"a":1,"b":[1,{"x":null,"y":true}]}'), other);
  // 100 000 documents differing in one field: no two digests alike.
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) seen.add(key(`{"n":${i},"s":"x${i % 7}"}`));
  assertEquals(seen.size, 100_000);
});

Deno.test("bucketOf: stable, within range, spread over the buckets", () => {
  assertEquals(bucketOf("d1"), bucketOf("d1"));
  const used = new Set<number>();
  for (let i = 0; i < 20_000; i++) {
    const bucket = bucketOf(`id-${i}`);
    assert(bucket >= 0 && bucket < BUCKET_COUNT);
    used.add(bucket);
  }
  assert(used.size > BUCKET_COUNT * 0.95, `only ${used.size} buckets used`);
  assert(bucketOf("x", 16) < 16);
});

Deno.test("BucketTable: equal whatever order the documents arrive in", () => {
  const forward = table(DOCS);
  const backward = table([...DOCS].reverse());
  assertEquals(differingBuckets(forward, backward), []);
  assertEquals(forward.documents, 300);
  assertEquals([...forward.counts].reduce((a, b) => a + b, 0), 300);
});

Deno.test("BucketTable: a missing, extra or altered document shows in its own bucket only", () => {
  const source = table(DOCS);
  const changed = DOCS.filter((doc) => doc.id !== "d5").map((doc) =>
    doc.id === "d9" ? { ...doc, source: { n: 9, nested: { tags: ["a"], at: 13.5 } } } : doc
  );
  changed.push({ id: "extra-1", source: {} });
  const target = table(changed);
  const differing = differingBuckets(source, target);
  const expected = [...new Set(["d5", "d9", "extra-1"].map((id) => bucketOf(id)))].sort((a, b) =>
    a - b
  );
  assertEquals(differing, expected);
});

Deno.test("BucketTable: same count but another routing differs", () => {
  const source = table([{ id: "a", routing: "1", source: {} }]);
  const target = table([{ id: "a", routing: "2", source: {} }]);
  assertEquals(differingBuckets(source, target), [bucketOf("a")]);
});

Deno.test("BucketTable: sums wrap around 2^32 and stay equal", () => {
  const a = new BucketTable(1);
  const b = new BucketTable(1);
  const big: [number, number] = [0xffffffff, 0xffffffff];
  for (let i = 0; i < 5; i++) a.add(0, big);
  for (let i = 0; i < 5; i++) b.add(0, big);
  assertEquals(a.sums[0], (0xffffffff * 5) % 2 ** 32);
  assertEquals(differingBuckets(a, b), []);
});

Deno.test("chooseBuckets: whole buckets only, under the cap on both sides", () => {
  const source = new BucketTable(8);
  const target = new BucketTable(8);
  const digest: [number, number] = [0, 0];
  const fill = (t: BucketTable, bucket: number, n: number) => {
    for (let i = 0; i < n; i++) t.add(bucket, digest);
  };
  fill(source, 1, 4);
  fill(target, 1, 3);
  fill(source, 2, 10);
  fill(target, 3, 5);
  const all = chooseBuckets([1, 2, 3], source, target, 100);
  assertEquals([...all.buckets], [1, 2, 3]);
  assertEquals(all.capped, false);
  // Bucket 2 alone would put 14 entries on the source side: it is left out, 3 still fits.
  const some = chooseBuckets([1, 2, 3], source, target, 10);
  assertEquals([...some.buckets], [1, 3]);
  assertEquals(some.capped, true);
});

Deno.test("documentBytesHasher: equal bytes equal; a byte, the id or the routing changes it", async () => {
  const hashDocumentBytes = await documentBytesHasher();
  const bytes = (text: string) => new TextEncoder().encode(text);
  const key = (id: string, routing: string | undefined, text: string) =>
    digestKey(hashDocumentBytes(id, routing, bytes(text)));
  const base = key("a", undefined, '{"x":1,"y":"z"}');
  assertEquals(key("a", undefined, '{"x":1,"y":"z"}'), base);
  // Only the very bytes count here: the same content spelled otherwise is for the parsed pass.
  for (
    const other of [
      key("a", undefined, '{"y":"z","x":1}'),
      key("a", undefined, '{"x":1,"y":"Z"}'),
      key("a", undefined, '{"x":1,"y":"z"} '),
      key("b", undefined, '{"x":1,"y":"z"}'),
      key("a", "r", '{"x":1,"y":"z"}'),
    ]
  ) assert(other !== base, other);
});
