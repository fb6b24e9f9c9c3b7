/** The id → digest diff of the second checksum pass, and the bounded parallelism helper. */
import { assertEquals, assertRejects } from "../assert.ts";
import { diffDigests, recordDigest } from "../../src/verify/diff.ts";
import { mapLimit } from "../../src/verify/pool.ts";
import { Throttle } from "../../src/verify/throttle.ts";

Deno.test("diffDigests: missing, extra and different ids, sorted naturally, with totals", () => {
  const source = new Map([["d1", "a"], ["d2", "b"], ["d10", "c"], ["d3", "d"]]);
  const target = new Map([["d1", "a"], ["d2", "B"], ["x", "e"]]);
  assertEquals(diffDigests(source, target), {
    missing: ["d3", "d10"],
    extra: ["x"],
    different: ["d2"],
    missing_total: 2,
    extra_total: 1,
    different_total: 1,
  });
});

Deno.test("diffDigests: lists are cut, totals are not", () => {
  const source = new Map(Array.from({ length: 25 }, (_, i) => [`m${i}`, "x"] as [string, string]));
  const diff = diffDigests(source, new Map(), 10);
  assertEquals(diff.missing.length, 10);
  assertEquals(diff.missing[0], "m0");
  assertEquals(diff.missing[9], "m9");
  assertEquals(diff.missing_total, 25);
});

Deno.test("diffDigests: equal maps have no differences", () => {
  const map = new Map([["a", "1"]]);
  assertEquals(diffDigests(map, new Map(map)), {
    missing: [],
    extra: [],
    different: [],
    missing_total: 0,
    extra_total: 0,
    different_total: 0,
  });
});

Deno.test("recordDigest: a repeated id keeps every digest, in an order-free form", () => {
  const one = new Map<string, string>();
  recordDigest(one, "id", "b");
  recordDigest(one, "id", "a");
  recordDigest(one, "id", "c");
  const other = new Map<string, string>();
  recordDigest(other, "id", "c");
  recordDigest(other, "id", "b");
  recordDigest(other, "id", "a");
  assertEquals(one.get("id"), "a+b+c");
  assertEquals(one, other);
});

Deno.test("mapLimit: keeps order and never runs more than the limit at once", async () => {
  let running = 0;
  let most = 0;
  const results = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, n));
    running--;
    return n * 10 + i;
  });
  assertEquals(results, [50, 11, 42, 23, 34, 5, 66]);
  assertEquals(most, 3);
  assertEquals(await mapLimit([], 4, () => Promise.resolve(1)), []);
});

Deno.test("mapLimit: the first failure rejects and stops new work", async () => {
  const started: number[] = [];
  await assertRejects(
    () =>
      mapLimit([1, 2, 3, 4, 5], 1, (n) => {
        started.push(n);
        return n === 2 ? Promise.reject(new Error("boom")) : Promise.resolve(n);
      }),
    /boom/,
  );
  assertEquals(started, [1, 2]);
});

Deno.test("Throttle: first line after the interval, then at most one per interval", () => {
  let now = 1000;
  const throttle = new Throttle(5000, () => now);
  assertEquals(throttle.ready(), false);
  now = 5999;
  assertEquals(throttle.ready(), false);
  now = 6000;
  assertEquals(throttle.ready(), true);
  assertEquals(throttle.ready(), false);
  now = 11_000;
  assertEquals(throttle.ready(), true);
});
