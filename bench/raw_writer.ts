/**
 * The raw bulk ceiling, run as its own process by the bench so its memory is measured like the
 * engine's: our `BulkWriter` fed from the local NDJSON file (no reads from a source cluster).
 * Documents become the engine's `SourceDocument` shape (each source line's bytes passed through,
 * as the engine passes the source's) and are handed to the writer in
 * groups of one bulk request each, with one group more than the writer's concurrency queued, so
 * the writer is never starved. Prints a JSON summary on stdout.
 *
 *   deno run -A bench/raw_writer.ts --target URL --index NAME --file PATH
 *     [--concurrency 4] [--batch-bytes 5242880] [--dead-letter PATH]
 */
import { DeadLetterFile } from "../src/backfill/deadletter.ts";
import type { SourceDocument } from "../src/backfill/reader.ts";
import { BulkWriter } from "../src/backfill/writer.ts";
import { ClusterClient } from "../src/cluster/client.ts";
import { setUpLogging } from "../src/log.ts";
import { countFlag, parseFlags, stringFlag } from "./args.ts";
import { ndjsonChunks } from "./dataset.ts";

const flags = parseFlags(Deno.args, [
  "target",
  "index",
  "file",
  "concurrency",
  "batch-bytes",
  "dead-letter",
]);
const target = stringFlag(flags, "target");
const index = stringFlag(flags, "index");
const file = stringFlag(flags, "file");
if (!target || !index || !file) {
  console.error("usage: raw_writer.ts --target URL --index NAME --file PATH");
  Deno.exit(2);
}
const concurrency = countFlag(flags, "concurrency", 4, 1);
const batchBytes = countFlag(flags, "batch-bytes", 5 * 1024 ** 2, 1024);
await setUpLogging("warning");

let peakRss = Deno.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
}, 200);

const client = new ClusterClient(
  { url: target, auth: { kind: "none" }, tls: { insecure: false } },
  { role: "target" },
);
const deadLetters = new DeadLetterFile(
  stringFlag(flags, "dead-letter") ?? `${file}.dead-letter.ndjson`,
);
const writer = new BulkWriter(client, { concurrency, batchBytes, maxAttempts: 8, deadLetters });
const decoder = new TextDecoder();
const started = performance.now();
let sent = 0;
const pending = new Set<Promise<unknown>>();
let failure: unknown;

// Bulk lines carry `_index` too, so a group is cut a little under the batch size to stay one
// request.
for await (const chunk of ndjsonChunks(file, Math.floor(batchBytes * 0.9))) {
  if (failure) break;
  // Each source line goes out as its bytes, as the engine passes the source's bytes through.
  const lines = lineViews(chunk.bytes);
  const documents: SourceDocument[] = [];
  for (let line = 0; line + 1 < lines.length; line += 2) {
    const action = JSON.parse(decoder.decode(lines[line])) as { index: { _id: string } };
    documents.push({ id: action.index._id, raw: lines[line + 1], seqNo: sent });
    sent++;
  }
  const writing = writer.write(index, documents).catch((error) => {
    failure ??= error;
  }).finally(() => pending.delete(writing));
  pending.add(writing);
  if (pending.size > concurrency) await Promise.race(pending);
}
await Promise.all(pending);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
deadLetters.close();
client.close();
console.log(JSON.stringify({
  sent,
  written: writer.stats.written,
  dead_lettered: writer.stats.deadLettered,
  retried: writer.stats.retried,
  request_failures: writer.stats.requestFailures,
  bytes_sent: writer.stats.bytesSent,
  seconds,
  peak_rss_in_process: peakRss,
  failure: failure ? String(failure) : undefined,
}));
if (failure) Deno.exit(1);

/** The lines of a chunk as views into it, without their `\n`. */
function lineViews(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, at));
    start = at + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}
