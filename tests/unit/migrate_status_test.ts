/** The status board, its sums over several engines, and the page that shows them. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  combineStatuses,
  RateWindow,
  StatusBoard,
  type StatusJson,
} from "../../src/migrate/status.ts";
import { STATUS_PAGE_HTML, statusResponse } from "../../src/migrate/status-page.ts";

const T0 = Date.parse("2026-12-03T10:00:00Z");

Deno.test("a rate needs two samples that span time, and a wait before the first move is not averaged in", () => {
  const window = new RateWindow(10_000);
  assertEquals(window.add(0, 0), undefined);
  assertEquals(window.add(0, 1000), 0);
  assertEquals(window.add(0, 5000), 0);
  // Moving from 5 s on: 500 documents in 1 s, not 500 over 6 s.
  assertEquals(window.add(500, 6000), 500);
  assertEquals(window.add(1000, 7000), 500);
  // The window forgets what is older than 10 s: the rate falls as the copy slows.
  window.add(1100, 17_000);
  assertEquals(Math.round(window.add(1150, 18_000)! * 10) / 10, 13.6);
});

Deno.test("the board: planned rows wait, ticks move them, the end marks them done with its message", () => {
  const board = new StatusBoard("run", T0, { source: "http://a:9200", target: "http://b:9200" });
  board.plan({ logs: 1000, users: 10 });
  board.skip([{ name: "big", reason: "conflicting: mapping differs" }]);
  let json = board.json(T0 + 500);
  assertEquals(json.phase, "plan");
  assertEquals(json.documents_expected, 1010);
  assertEquals(json.eta_seconds, null);
  assertEquals(json.percent, 0);
  assertEquals(json.indices.map((row) => [row.name, row.state]), [
    ["logs", "waiting"],
    ["users", "waiting"],
    ["big", "skipped"],
  ]);
  board.phase("copy");
  const tick = (copied: number, users: number, at: number) =>
    board.progress({
      copied: copied + users,
      expected: 1010,
      perIndex: {
        logs: { copied, expected: 1000 },
        users: { copied: users, expected: 10 },
      },
      retried: 3,
      retryReasons: { "429 es_rejected_execution_exception": 3 },
    }, at);
  tick(0, 10, T0 + 1000);
  tick(333.3, 10, T0 + 2000);
  json = board.json(T0 + 2000);
  assertEquals(json.phase, "copy");
  assertEquals(json.docs_per_second, 333.3);
  assertEquals(json.eta_seconds, 2);
  assertEquals(json.indices.find((row) => row.name === "users")?.state, "done");
  assertEquals(json.indices.find((row) => row.name === "logs")?.state, "copying");
  assertEquals(json.rate_history, [[2, 333.3]]);
  assertEquals(json.retries, {
    total: 3,
    by_reason: { "429 es_rejected_execution_exception": 3 },
  });
  board.fail([{ name: "logs", reason: "3 documents missing" }]);
  board.end({ status: "failed", message: "3 documents missing in logs" });
  json = board.json(T0 + 3000);
  assertEquals(json.phase, "done");
  assertEquals(json.outcome, { status: "failed", message: "3 documents missing in logs" });
  assertEquals(json.indices.find((row) => row.name === "logs")?.state, "failed");
  assertEquals(json.docs_per_second, 0);
  assertEquals(json.source, { url: "http://a:9200" });
  // JSON only: nothing undefined, every key snake_case.
  const text = JSON.stringify(json);
  assertEquals(JSON.stringify(JSON.parse(text)), text);
  for (const key of text.matchAll(/"([a-zA-Z_]+)":/g)) {
    if (key[1] === "logs" || key[1] === "users" || key[1] === "big") continue;
    assertMatch(key[1], /^[a-z]+(_[a-z]+)*$/);
  }
});

Deno.test("the board of a sync: following, with the lag and its history", () => {
  const board = new StatusBoard("sync", T0);
  board.pass(
    { operations: 120, seconds: 3.14159 },
    { passes: 1, changes: 120, deletes: 2, indices: 1 },
    T0 + 1000,
  );
  board.pass(
    { operations: 0, seconds: 0 },
    { passes: 2, changes: 240, deletes: 2, indices: 1 },
    T0 + 2000,
  );
  const json = board.json(T0 + 2000);
  assertEquals(json.phase, "following");
  assertEquals(json.lag, { operations: 0, seconds: 0 });
  assertEquals(json.lag_history, [[1, 120], [2, 0]]);
  assertEquals(json.sync, { passes: 2, changes: 240, deletes: 2, indices: 1 });
});

function partStatus(copied: number, expected: number, phase: StatusJson["phase"]): StatusJson {
  const board = new StatusBoard("run", T0, { source: "http://a:9200", target: "http://b:9200" });
  board.plan({ logs: expected });
  board.phase(phase);
  board.progress({ copied, expected, perIndex: { logs: { copied, expected } } }, T0 + 1000);
  board.progress({
    copied: copied * 2,
    expected,
    perIndex: { logs: { copied: copied * 2, expected } },
  }, T0 + 2000);
  return board.json(T0 + 2000);
}

Deno.test("several engines: documents and rates summed, a row per part, index rows added up, the least advanced phase", () => {
  const combined = combineStatuses(
    [
      { url: "http://p1:4900", status: partStatus(100, 1000, "copy") },
      { url: "http://p2:4900", status: partStatus(50, 1000, "create") },
      { url: "http://p3:4900" },
    ],
    T0,
    T0 + 2000,
  );
  assertEquals(combined.command, "monitor");
  assertEquals(combined.phase, "create");
  assertEquals(combined.documents_copied, 300);
  assertEquals(combined.documents_expected, 2000);
  assertEquals(combined.docs_per_second, 150);
  assertEquals(combined.indices, [{
    name: "logs",
    documents_copied: 300,
    documents_expected: 2000,
    docs_per_second: 150,
    state: "copying",
  }]);
  assertEquals(combined.parts?.map((part) => [part.url, part.reachable, part.documents_copied]), [
    ["http://p1:4900", true, 200],
    ["http://p2:4900", true, 100],
    ["http://p3:4900", false, 0],
  ]);
  assertEquals(combined.source, { url: "http://a:9200" });
  assertEquals(combined.rate_history, [[2, 150]]);
  assertEquals(combined.outcome, undefined);
});

Deno.test("the page: self-contained, strict about what it loads, names set only as text", () => {
  assert(!/\b(src|href)="(https?:)?\/\//.test(STATUS_PAGE_HTML), "the page loads something");
  assert(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(STATUS_PAGE_HTML));
  assert(STATUS_PAGE_HTML.includes('fetch("status.json"'), "the page must read status.json");
  const page = statusResponse("/", () => ({}))!;
  assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
  assertMatch(page.headers.get("content-security-policy")!, /default-src 'none'/);
  const json = statusResponse("/status.json", () => ({ phase: "copy" }))!;
  assertEquals(json.headers.get("content-type"), "application/json");
  assertEquals(statusResponse("/metrics", () => ({})), undefined);
  assert(new TextEncoder().encode(STATUS_PAGE_HTML).length < 20_000, "the page grew past 20 kB");
});
