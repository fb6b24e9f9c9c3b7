/**
 * The status page in a real browser (Debian's Chromium, headless): loaded during a throttled copy
 * of several indices and after it ended, for `run --engine native --metrics-port`, for `sync
 * --metrics-port` (the lag chart falls to 0 once the writer stops) and for `monitor --serve` over
 * three parts of a scale-out. What is read is the DOM after the page's scripts ran, checked
 * against `/metrics/prometheus` and the command's own final summary. Where Chromium cannot be
 * had, the tests are reported as not run, with the reason.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  attributeById,
  chromiumMissing,
  numberOf,
  renderedDom,
  rowsById,
  textById,
} from "../harness/browser.ts";
import { partOf } from "../../src/backfill/units.ts";
import type { StatusJson } from "../../src/migrate/status.ts";
import {
  addDocuments,
  bulk,
  call,
  endpoints,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  refreshedCount,
} from "./scene.ts";

const missing = await chromiumMissing();
if (missing) console.log(`not run: ${missing}`);

/** A browser test: declared as not run, with the reason, where Chromium cannot be had. */
function browserTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name: name + (missing ? ` (not run: ${missing})` : ""), ignore: !!missing, fn });
}

/** `/status.json` at `port`, or undefined while nothing serves it. */
async function statusOf(port: number): Promise<StatusJson | undefined> {
  return await fetch(`http://127.0.0.1:${port}/status.json`)
    .then((response) => response.ok ? response.json() : undefined, () => undefined);
}

/** Polls `/status.json` until `done` holds (90 s at most). */
async function statusUntil(
  port: number,
  done: (status: StatusJson) => boolean,
  what: string,
): Promise<StatusJson> {
  const deadline = Date.now() + 90_000;
  let last: StatusJson | undefined;
  while (Date.now() < deadline) {
    last = await statusOf(port);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not happen in 90 s; last status: ${JSON.stringify(last)}`);
}

/** The documents the target acknowledged, summed over every pipeline of a scrape. */
async function acknowledged(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics/prometheus`)).text();
  return [...text.matchAll(/^\S+_opensearch_documentsSuccess_total\{[^}]*\} (\S+)$/gm)]
    .reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Indexes `count` documents into each of `indices` (one shard each unless `shards`). */
async function load(node: NodeHandle, indices: string[], count: number, shards = 1) {
  for (const index of indices) {
    await call(`${node.url}/${index}`, "PUT", {
      settings: { number_of_shards: shards, number_of_replicas: 0 },
    });
    await addDocuments(node.url, index, count);
  }
}

browserTest(
  "status page of run --engine native: live rows and figures during a throttled copy of three indices, the outcome after it",
  () =>
    inScene(["es7", "os2"], "page", async ({ es7, os2, p, dir, spawn }) => {
      const port = 4970;
      const indices = [`${p}a`, `${p}b`, `${p}c`];
      await load(es7, indices, 1500);
      const child = spawn(
        nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal: `${dir}/run.json` }, [
          "--max-docs-per-second",
          "600",
          "--metrics-port",
          String(port),
        ]),
        { stdout: "piped", stderr: "piped" },
      );
      await statusUntil(
        port,
        (s) => s.phase === "copy" && s.documents_copied > 0 && s.docs_per_second > 0,
        "the copy under way",
      );
      const before = await acknowledged(port);
      const live = await renderedDom(`http://127.0.0.1:${port}/`);
      const after = await acknowledged(port);
      assertEquals(textById(live, "phase"), "copy");
      assertEquals(textById(live, "ends"), `${es7.url} → ${os2.url}`);
      assertEquals(numberOf(textById(live, "expected")), 4500);
      const copied = numberOf(textById(live, "copied"));
      assert(
        copied >= before - 1200 && copied <= after && copied < 4500,
        `the page shows ${copied} copied; the metrics said ${before}, then ${after}`,
      );
      assert(numberOf(textById(live, "rate")) > 0, "no rate on the page during the copy");
      assertMatch(textById(live, "eta"), /^\d+(s|m\d\ds)$/);
      const rows = rowsById(live, "indices");
      assertEquals(rows.map((row) => row.key).sort(), [...indices].sort());
      for (const row of rows) {
        assertEquals(row.cells.expected, "1,500");
        assertMatch(row.cells.state, /^(waiting|copying|done)$/);
      }
      assert(rows.some((row) => row.cells.state === "copying"), JSON.stringify(rows));
      assertEquals(
        rows.reduce((sum, row) => sum + numberOf(row.cells.copied), 0),
        copied,
        "the rows do not add up to the total",
      );
      assert(attributeById(live, "rate-chart", "viewBox"), "no rate chart drawn");

      // Over: the run keeps serving its final status until POST /shutdown.
      await statusUntil(port, (s) => s.outcome !== undefined, "the end of the run");
      const final = await renderedDom(`http://127.0.0.1:${port}/`);
      assertEquals(textById(final, "phase"), "done");
      assertEquals(numberOf(textById(final, "copied")), await acknowledged(port));
      assertEquals(numberOf(textById(final, "copied")), 4500);
      assertStringIncludes(textById(final, "outcome"), "succeeded: 3 indices migrated, 4500");
      assertEquals(attributeById(final, "outcome", "class"), "succeeded");
      for (const row of rowsById(final, "indices")) {
        assertEquals([row.cells.copied, row.cells.state], ["1,500", "done"], row.key);
      }
      assertEquals(textById(final, "dead-letters"), "none");
      await (await fetch(`http://127.0.0.1:${port}/shutdown`, { method: "POST" })).body?.cancel();
      const output = await finished(child, 30);
      assertEquals(output.code, 0, output.stderr);
      assertStringIncludes(output.stderr, "4,500 of 4,500 documents on the target");
      assertStringIncludes(output.stderr, `status page at http://127.0.0.1:${port}/`);
    }),
);

browserTest(
  "status page of sync: the lag chart falls to 0 once the writer stops",
  () =>
    inScene(["es7", "os2"], "pagesync", async ({ es7, os2, p, dir, spawn }) => {
      const port = 4971;
      const index = `${p}live`;
      await load(es7, [index], 2000);
      const child = spawn(
        [
          "sync",
          ...endpoints(es7, os2, `${p}*`),
          "--journal",
          `${dir}/sync.json`,
          "--interval",
          "1",
          "--metrics-port",
          String(port),
          // Small bulks one at a time: the passes fall behind the writer, so the lag rises
          // before it falls (a fast pass would end every time with nothing behind).
          ...["--concurrency", "1", "--batch-bytes", "2kb"],
        ],
        { stdout: "piped", stderr: "piped" },
      );
      await statusUntil(port, (s) => s.phase === "following", "the first pass");
      // A writer: 100 new documents every 100 ms for 5 s.
      let next = 0;
      const until = Date.now() + 5_000;
      let sawLag = 0;
      while (Date.now() < until) {
        const lines = Array.from({ length: 100 }, () => {
          const id = `w${next++}`;
          return `${JSON.stringify({ index: { _id: id } })}\n${JSON.stringify({ n: next })}\n`;
        }).join("");
        await bulk(`${es7.url}/${index}`, lines);
        sawLag = Math.max(sawLag, (await statusOf(port))?.lag?.operations ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const stoppedAt = Date.now();
      const caughtUp = await statusUntil(
        port,
        (s) =>
          s.lag?.operations === 0 &&
          Date.parse(s.started_at) + s.elapsed_seconds * 1000 > stoppedAt + 1500,
        "lag 0 after the writer stopped",
      );
      assert(
        (caughtUp.lag_history ?? []).some(([, lag]) => lag > 0),
        `the lag history never rose above 0 (the page showed at most ${sawLag}): ` +
          JSON.stringify(caughtUp.lag_history),
      );
      const dom = await renderedDom(`http://127.0.0.1:${port}/`);
      assertEquals(textById(dom, "phase"), "following");
      assertEquals(attributeById(dom, "lag-chart", "aria-label"), "lag");
      const line = /<svg[^>]*id="lag-chart"[\s\S]*?<polyline[^>]*data-last="([^"]*)"/.exec(dom);
      assertEquals(line?.[1], "0", "the lag chart does not end at 0");
      assertMatch(textById(dom, "lag-chart"), /operations behind the source \(max [1-9][\d,]*\)/);
      assertMatch(textById(dom, "lag"), /^0 operations, 0s$/);
      assertMatch(textById(dom, "sync"), /^\d+ passes over 1 indices: [1-9][\d,]* changes/);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics/prometheus`)).text();
      assertMatch(metrics, /^fetch_migration_sync_lag_operations 0(\.0)?$/m);
      child.kill("SIGTERM");
      const output = await finished(child, 30);
      assertEquals(output.code, 1, output.stderr);
      assertEquals(await refreshedCount(os2.url, index), 2000 + next);
    }),
);

/** A name for a 6-shard index whose shards hash to every one of 3 parts. */
function spreadName(prefix: string): string {
  for (let n = 0;; n++) {
    const name = `${prefix}spread${n}`;
    if (new Set(Array.from({ length: 6 }, (_, shard) => partOf(name, shard, 3))).size === 3) {
      return name;
    }
  }
}

browserTest(
  "monitor --serve over three parts: a row per part, the sums on top, the outcome once every part is done",
  () =>
    inScene(["es7", "os2"], "pageparts", async ({ es7, os2, p, dir, spawn }) => {
      const ports = [4972, 4973, 4974];
      const served = 4975;
      const big = spreadName(p);
      await load(es7, [big], 3000, 6);
      const env = { XDG_STATE_HOME: dir };
      const parts = ports.map((port, i) =>
        spawn(
          nativeRunArgs({ source: es7, target: os2, include: `${p}*` }, [
            "--part",
            `${i + 1}/3`,
            "--max-docs-per-second",
            "250",
            "--metrics-port",
            String(port),
          ]),
          { env, stdout: "piped", stderr: "piped" },
        )
      );
      const monitor = spawn(
        [
          "monitor",
          ...ports.map((port) => `http://127.0.0.1:${port}`),
          "3000",
          "--poll-interval",
          "1",
          "--idle-polls",
          "30",
          "--serve",
          String(served),
        ],
        { stdout: "piped", stderr: "piped" },
      );
      await statusUntil(
        served,
        (s) => !!s.parts?.every((part) => part.reachable && part.documents_copied > 0),
        "every part copying",
      );
      const live = await renderedDom(`http://127.0.0.1:${served}/`);
      const partRows = rowsById(live, "parts");
      assertEquals(partRows.map((row) => row.key), ports.map((port) => `http://127.0.0.1:${port}`));
      const copied = numberOf(textById(live, "copied"));
      assert(copied > 0 && copied < 3000, `the page shows ${copied} of 3000`);
      const sum = partRows.reduce((total, row) => total + numberOf(row.cells.copied), 0);
      assertEquals(sum, copied, "the parts' rows do not add up to the total");
      assertEquals(numberOf(textById(live, "expected")), 3000);
      assertEquals(rowsById(live, "indices").map((row) => row.key), [big]);

      await statusUntil(served, (s) => s.outcome !== undefined, "the monitor's verdict");
      const final = await renderedDom(`http://127.0.0.1:${served}/`);
      assertEquals(numberOf(textById(final, "copied")), 3000);
      assertEquals(attributeById(final, "outcome", "class"), "succeeded");
      const bigRow = rowsById(final, "indices")[0];
      assertEquals([bigRow.cells.copied, bigRow.cells.expected], ["3,000", "3,000"]);
      // Each part was shut down by the monitor once the whole was complete, and exited 0.
      for (const [i, child] of parts.entries()) {
        const output = await finished(child, 30);
        assertEquals(output.code, 0, `part ${i + 1}:\n${output.stderr}`);
      }
      assertEquals(
        rowsById(final, "parts").reduce((total, row) => total + numberOf(row.cells.copied), 0),
        3000,
      );
      await (await fetch(`http://127.0.0.1:${served}/shutdown`, { method: "POST" })).body?.cancel();
      const output = await finished(monitor, 30);
      assertEquals(output.code, 0, output.stderr);
      assertStringIncludes(output.stderr, "complete: 3,000 documents");
      assertEquals(await refreshedCount(os2.url, big), 3000);
    }),
);
