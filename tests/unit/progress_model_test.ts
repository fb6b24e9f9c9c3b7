/**
 * The progress line's numbers: a rate from a moving window, shown from the first tick that has
 * one, and an ETA recomputed from that rate at every tick.
 */
import { assertEquals } from "../assert.ts";
import { formatProgress, ProgressModel } from "../../src/backfill/progress.ts";

Deno.test("progress: the first tick shows counts only, no rate and no ETA", () => {
  const model = new ProgressModel(50_000, 0);
  const first = model.update(1200, 1000);
  assertEquals(first.rate, undefined);
  assertEquals(first.etaSeconds, undefined);
  assertEquals(formatProgress(first), "1,200 / 50,000 docs (2.4%)");
  // A second sample at the same instant has no elapsed time: still no rate.
  assertEquals(model.update(1300, 1000).rate, undefined);
  const second = model.update(3200, 2000);
  assertEquals(second.rate, 2000);
  assertEquals(formatProgress(second), "3,200 / 50,000 docs (6.4%)  2,000 docs/s  ETA 23s");
});

Deno.test("progress: the rate is the window's, not the run's average", () => {
  const model = new ProgressModel(1_000_000, 0, 10_000);
  // 10 s at 5,000 docs/s, then 10 s at 1,000 docs/s.
  let done = 0;
  for (let second = 1; second <= 10; second++) model.update(done += 5000, second * 1000);
  let snapshot = model.update(done, 10_000);
  for (let second = 11; second <= 20; second++) {
    snapshot = model.update(done += 1000, second * 1000);
  }
  // Over the whole run the average would be 3,000/s; the last 10 s moved 1,000/s.
  assertEquals(snapshot.rate, 1000);
});

Deno.test("progress: a falling rate makes the ETA grow at every tick, it never sticks", () => {
  const model = new ProgressModel(100_000, 0, 5_000);
  let done = 0;
  let at = 0;
  const etas: number[] = [];
  // 4,321 docs/s for a while, then slower each second down to 840 docs/s.
  for (let tick = 0; tick < 6; tick++) model.update(done += 4321, at += 1000);
  for (const rate of [3500, 2800, 2100, 1500, 1100, 840, 840, 840]) {
    const snapshot = model.update(done += rate, at += 1000);
    etas.push(snapshot.etaSeconds!);
  }
  for (let i = 1; i < etas.length; i++) {
    assertEquals(etas[i] > etas[i - 1], true, `ETA ${etas[i]} after ${etas[i - 1]}`);
  }
  // Once the window holds only the slow seconds, rate and ETA are those of 840 docs/s.
  let last = model.update(done += 840, at += 1000);
  for (let tick = 0; tick < 4; tick++) last = model.update(done += 840, at += 1000);
  assertEquals(Math.round(last.rate!), 840);
  assertEquals(Math.round(last.etaSeconds!), Math.round((100_000 - done) / 840));
});

Deno.test("progress: stalled shows 0 docs/s and no ETA; done shows ETA 0s", () => {
  const model = new ProgressModel(10, 0);
  model.update(4, 1000);
  const stalled = model.update(4, 2000);
  assertEquals(stalled.rate, 0);
  assertEquals(stalled.etaSeconds, undefined);
  assertEquals(formatProgress(stalled), "4 / 10 docs (40.0%)  0 docs/s");
  const done = model.update(10, 3000);
  assertEquals(done.etaSeconds, 0);
  assertEquals(formatProgress(done), "10 / 10 docs (100.0%)  3 docs/s  ETA 0s");
});

Deno.test("progress: a resumed run's rate counts this run's documents only", () => {
  // 7,074 were written by an earlier run: the first tick starts there, the rate from the deltas.
  const model = new ProgressModel(8574, 0);
  assertEquals(model.update(7074, 0).rate, undefined);
  const next = model.update(7574, 1000);
  assertEquals(next.rate, 500);
  assertEquals(next.etaSeconds, 2);
});

Deno.test("progress: a total that grows is taken at each tick", () => {
  const model = new ProgressModel(1000, 0);
  model.update(0, 0);
  const grown = model.update(1000, 1000, 3000);
  assertEquals(grown.percent, (1000 / 3000) * 100);
  assertEquals(grown.etaSeconds, 2);
});
