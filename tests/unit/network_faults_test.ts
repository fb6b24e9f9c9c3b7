/**
 * The pure parts of what the network-fault suite (tests/integration/faults_network_test.ts)
 * found: an answer cut off mid-body is said as such, a reset names the network rather than only
 * TLS, a bulk request's timeout follows `--timeout`, a target that stopped answering stops
 * every batch of the writer instead of each waiting through its own attempts one at a time, and
 * a failed Data Prepper's log tail is of that start only.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { ClusterClient } from "../../src/cluster/client.ts";
import { ClusterError, networkFailure } from "../../src/cluster/errors.ts";
import { DeadLetterFile } from "../../src/backfill/deadletter.ts";
import { BulkWriter, targetGone } from "../../src/backfill/writer.ts";
import type { SourceDocument } from "../../src/backfill/reader.ts";
import { configureLogging, resetLogging } from "../../src/deps.ts";
import { DataPrepperProcess } from "../../src/dataprepper/supervisor.ts";

const context = (url: string) => ({
  method: "POST",
  url: new URL(url),
  timedOut: false,
  timeoutMs: 30_000,
  role: "target" as const,
});

Deno.test("an answer cut off mid-body says so (not 'cannot connect'), and to run the command again", () => {
  // What Deno's fetch throws when the connection ends before Content-Length bytes arrived.
  const error = networkFailure(
    new TypeError("error reading a body from connection"),
    context("http://127.0.0.1:18402/i/_search"),
  );
  assertEquals(error.kind, "unreachable");
  assertEquals(
    error.message,
    "the answer from 127.0.0.1:18402 was cut off before its end (error reading a body from " +
      "connection) (POST http://127.0.0.1:18402/i/_search)",
  );
  assertMatch(error.hint!, /cuts connections or limits the size of answers/);
  assertMatch(error.hint!, /run the same command again$/);
});

Deno.test("a reset over http names whatever cuts connections, then TLS, then what to run next", () => {
  const error = networkFailure(
    new TypeError("error sending request: connection reset by peer (os error 104)"),
    context("http://127.0.0.1:18402/_bulk"),
  );
  assertStringIncludes(error.message, "the connection to 127.0.0.1:18402 closed before an answer");
  assertEquals(
    error.hint,
    "check that the cluster is healthy and that nothing in between (a proxy, a load balancer, " +
      "a firewall) cuts connections; if the cluster expects HTTPS, use https://; then run the " +
      "same command again",
  );
});

Deno.test("targetGone: maxAttempts unanswered requests in a row, over at least one batch's back-off", () => {
  // Back-off ceilings between 8 attempts: 0.2 + 0.4 + ... + 12.8 s = 25.4 s.
  assertEquals(targetGone(7, 60_000, 8), false);
  assertEquals(targetGone(8, 25_399, 8), false, "a node restart shorter than that is ridden out");
  assertEquals(targetGone(8, 25_400, 8), true);
  assertEquals(targetGone(40, 1_000, 8), false, "refused connections in a burst are no verdict");
  assertEquals(targetGone(2, 200, 2), true);
  assertEquals(targetGone(1, 0, 1), true, "--max-attempts 1: the first failure decides");
});

function doc(id: string): SourceDocument {
  return { id, source: { n: 1 }, seqNo: 0 };
}

Deno.test("writer: a target that stops answering stops every batch after a few timeouts, none dead-lettered", async () => {
  let requests = 0;
  const timeout = () =>
    new ClusterError(
      "timeout",
      "POST",
      "http://target.test/_bulk",
      "no answer from target.test:80 within 0.1 s (POST http://target.test/_bulk)",
    );
  const client = {
    url: "http://target.test",
    request: () => {
      requests++;
      return new Promise((_, reject) => setTimeout(() => reject(timeout()), 100));
    },
    httpError: () => new Error("http error"),
  } as unknown as ClusterClient;
  const directory = await Deno.makeTempDir();
  await configureLogging({
    reset: true,
    sinks: {},
    loggers: [{ category: ["logtape", "meta"], lowestLevel: "error", sinks: [] }],
  });
  try {
    const deadLetters = new DeadLetterFile(`${directory}/dead.ndjson`);
    const writer = new BulkWriter(client, {
      concurrency: 2,
      // One document per batch: ten batches.
      batchBytes: 10,
      maxAttempts: 2,
      deadLetters,
    });
    const error = await writer.write("i", Array.from({ length: 10 }, (_, n) => doc(`d${n}`)))
      .then(() => undefined, (e) => e);
    deadLetters.close();
    assert(error instanceof ClusterError && error.kind === "timeout", String(error));
    // Every batch going through its own two attempts, one at a time, would send 20 requests.
    assert(requests <= 6, `${requests} requests to a target that stopped answering`);
    assertEquals(writer.stats.deadLettered, 0);
    assertEquals(writer.stats.written, 0);
  } finally {
    await resetLogging();
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("client: a request's defaultTimeoutMs applies only when the endpoint sets no --timeout", async () => {
  // A server that accepts the request and never answers.
  const hold = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => hold.promise.then(() => new Response("late")),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const endpoint = (timeoutMs?: number) => ({
    url,
    auth: { kind: "none" as const },
    tls: { insecure: false },
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  const send = (client: ClusterClient) =>
    client.request("POST", "/_bulk", {
      body: "{}\n",
      retry: { maxAttempts: 1 },
      defaultTimeoutMs: 300,
    }).then(() => undefined, (e) => e as ClusterError);
  const unset = new ClusterClient(endpoint());
  const set = new ClusterClient(endpoint(200));
  try {
    assertStringIncludes((await send(unset))!.message, "within 0.3 s");
    assertStringIncludes((await send(set))!.message, "within 0.2 s");
  } finally {
    unset.close();
    set.close();
    hold.resolve();
    await server.shutdown();
  }
});

Deno.test("Data Prepper's log tail in a failure is that start's, not an earlier run's lines", async () => {
  const home = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${home}/bin`);
    await Deno.writeTextFile(`${home}/bin/data-prepper`, '#!/bin/sh\necho "start $$"\nexit 3\n', {
      mode: 0o755,
    });
    const log = `${home}/run.data-prepper.log`;
    await Deno.writeTextFile(log, "error: the connection of an earlier run\n");
    const first = await DataPrepperProcess.start(home, log);
    assertEquals(await first.exited, 3);
    const second = await DataPrepperProcess.start(home, log);
    assertEquals(await second.exited, 3);
    const tail = await second.logTail(15);
    assertMatch(tail, /^start \d+$/);
    assert(!(await first.logTail(15)).includes("earlier run"));
    // The file keeps every start's lines.
    assertEquals((await Deno.readTextFile(log)).trim().split("\n").length, 3);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
