/**
 * Dead letters of an earlier run sent again: push-back by default, everything when asked, what
 * is refused again back in the file, and the file's summary by reason.
 */
import { assertEquals } from "../assert.ts";
import { replayDeadLetters, summarizeDeadLetters } from "../../src/backfill/replay.ts";
import { bodyText, scriptedTarget } from "./scripted_target.ts";

const LINES = [
  // Pushed back (sent again by default), with the long number written exactly.
  `{"index":"logs","id":"a","status":429,"type":"es_rejected_execution_exception","reason":"es_rejected_execution_exception: queue full","source":{"big":12345678901234567891}}`,
  `{"index":"logs","id":"b","routing":"r1","status":503,"reason":"the target answered 503 to the whole bulk request","source":{"n":2}}`,
  // Refused for good; an older line without "type".
  `{"index":"logs","id":"c","status":400,"reason":"mapper_parsing_exception: failed to parse","source":{"n":"x"}}`,
].join("\n") + "\n";

Deno.test("replay: push-back is sent again, refusals for good stay, the summary counts by reason", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/run.dead-letter.ndjson`;
  await Deno.writeTextFile(path, LINES);
  assertEquals(await summarizeDeadLetters(path), {
    count: 3,
    reasons: {
      "429 es_rejected_execution_exception": 1,
      "503 error": 1,
      "400 mapper_parsing_exception": 1,
    },
  });
  const bodies: string[] = [];
  const { client } = scriptedTarget((ids) => ({
    status: 200,
    body: { errors: false, items: ids.map(() => ({ index: { status: 201 } })) },
  }));
  const request = client.request.bind(client);
  client.request = ((method: string, route: string, options: { body: Uint8Array }) => {
    bodies.push(bodyText(options.body));
    return request(method, route, options);
  }) as typeof client.request;
  const replay = await replayDeadLetters(client, path, {
    concurrency: 2,
    batchBytes: 1 << 20,
    maxAttempts: 2,
    all: false,
  });
  assertEquals(replay, { sent: 2, written: 2, kept: 1, writtenPerIndex: { logs: 2 } });
  const sent = bodies.join("");
  assertEquals(sent.includes('"big":12345678901234567891'), true, sent);
  assertEquals(sent.includes('"routing":"r1"'), true, sent);
  assertEquals((await summarizeDeadLetters(path)).count, 1, "the 400 stays in the file");

  const all = await replayDeadLetters(client, path, {
    concurrency: 2,
    batchBytes: 1 << 20,
    maxAttempts: 2,
    all: true,
  });
  assertEquals(all.sent, 1);
  assertEquals((await summarizeDeadLetters(path)).count, 0);
  await Deno.remove(dir, { recursive: true });
});
