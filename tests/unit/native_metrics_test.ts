/**
 * The native engine's Data Prepper interface without a socket: the Prometheus text of the
 * counters (exact lines), the HTTP paths of the handler, the idle polls, and the writer's buffer
 * gauges.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import {
  formatFamilies,
  javaDouble,
  metricsText,
  PROMETHEUS_CONTENT_TYPE,
  seriesPrefix,
} from "../../src/backfill/metrics-text.ts";
import { metricsHandler, PipelineMetrics } from "../../src/backfill/metrics-server.ts";
import { BulkWriter } from "../../src/backfill/writer.ts";
import { DeadLetterFile } from "../../src/backfill/deadletter.ts";
import { isAbort } from "../../src/abort.ts";
import type { ClusterClient } from "../../src/cluster/client.ts";
import { bodyText } from "./scripted_target.ts";
import type { CopyProgress } from "../../src/migrate/engine.ts";

const PROGRESS: CopyProgress = {
  copied: 3000,
  expected: 3000,
  perIndex: { a: { copied: 1000, expected: 1000 }, b: { copied: 2000, expected: 2000 } },
  read: 3002,
  written: 2998,
  deadLettered: 4,
  retried: 17,
  bytesRead: 123456789,
  slicesDone: 8,
  slicesTotal: 8,
  partitionsCreated: 2,
  partitionsCompleted: 2,
  inBuffer: 0,
  inFlight: 0,
};

Deno.test("metrics text: Data Prepper's series of a pipeline, then ours, exactly as Data Prepper writes them", () => {
  const text = metricsText([{ name: "my-pipeline", progress: PROGRESS, idlePolls: 5 }]);
  // Data Prepper's meters have no description: Micrometer's help is " ", after the separator.
  const dataPrepper = (name: string, type: string, value: string) => [
    `# HELP my_pipeline_${name}  `,
    `# TYPE my_pipeline_${name} ${type}`,
    `my_pipeline_${name}{serviceName="dataprepper",} ${value}`,
  ];
  const own = (name: string, type: string, help: string, value: string) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    `${name}{pipeline="my-pipeline",serviceName="dataprepper",} ${value}`,
  ];
  assertEquals(text.split("\n"), [
    ...dataPrepper("opensearch_documentsProcessed_total", "counter", "3002.0"),
    ...dataPrepper("opensearch_documentsSuccess_total", "counter", "3000.0"),
    ...dataPrepper("opensearch_documentErrors_total", "counter", "4.0"),
    ...dataPrepper("opensearch_bulkRequestNumberOfRetries_total", "counter", "17.0"),
    ...dataPrepper("BlockingBuffer_recordsInBuffer", "gauge", "0.0"),
    ...dataPrepper("BlockingBuffer_recordsInFlight", "gauge", "0.0"),
    ...dataPrepper("source_coordinator_partitionsCreatedCount_total", "counter", "2.0"),
    ...dataPrepper("source_coordinator_partitionsCompleted_total", "counter", "2.0"),
    ...dataPrepper("source_coordinator_noPartitionsAcquired_total", "counter", "5.0"),
    ...own(
      "fetch_migration_documents_read_total",
      "counter",
      "Documents read from the source by this run.",
      "3002.0",
    ),
    ...own(
      "fetch_migration_documents_written_total",
      "counter",
      "Documents the target acknowledged in this run.",
      "2998.0",
    ),
    ...own(
      "fetch_migration_bytes_read_total",
      "counter",
      "Bytes of documents read from the source by this run.",
      "1.23456789E8",
    ),
    ...own(
      "fetch_migration_retries_total",
      "counter",
      "Documents sent again in this run after the target pushed back.",
      "17.0",
    ),
    ...own(
      "fetch_migration_dead_letters_total",
      "counter",
      "Documents the target refused in this run, written to the dead-letter file.",
      "4.0",
    ),
    ...own(
      "fetch_migration_documents_copied",
      "gauge",
      "Documents on the target by the journal's copy, over every run.",
      "3000.0",
    ),
    ...own(
      "fetch_migration_documents_expected",
      "gauge",
      "Documents of the copied indices on the source when the copy started.",
      "3000.0",
    ),
    ...own(
      "fetch_migration_slices_done",
      "gauge",
      "Slices of the copied indices that are done, earlier runs' included.",
      "8.0",
    ),
    ...own("fetch_migration_slices", "gauge", "Slices of the copied indices in all.", "8.0"),
    "",
  ]);
});

Deno.test("metrics text: before the copy every series is 0; several pipelines each under their own prefix", () => {
  const text = metricsText([
    { name: "first", idlePolls: 0 },
    { name: "second.one", progress: { ...PROGRESS, copied: 7 }, idlePolls: 1 },
  ]);
  const lines = text.split("\n");
  assert(lines.includes('first_opensearch_documentsSuccess_total{serviceName="dataprepper",} 0.0'));
  assert(
    lines.includes('second_one_opensearch_documentsSuccess_total{serviceName="dataprepper",} 7.0'),
  );
  assert(lines.includes(
    'second_one_source_coordinator_noPartitionsAcquired_total{serviceName="dataprepper",} 1.0',
  ));
  // One family of ours, with a sample per pipeline, directly under its HELP and TYPE lines.
  const at = lines.indexOf("# TYPE fetch_migration_documents_copied gauge");
  assertEquals(lines.slice(at + 1, at + 3), [
    'fetch_migration_documents_copied{pipeline="first",serviceName="dataprepper",} 0.0',
    'fetch_migration_documents_copied{pipeline="second.one",serviceName="dataprepper",} 7.0',
  ]);
  // Every family's name appears in one HELP and one TYPE line only.
  const types = lines.filter((line) => line.startsWith("# TYPE ")).map((line) =>
    line.split(" ")[2]
  );
  assertEquals(new Set(types).size, types.length);
  assertEquals(metricsText([]), "");
});

Deno.test("metrics text: names as Micrometer's Prometheus convention makes them; values as Java doubles", () => {
  assertEquals(seriesPrefix("my-pipeline"), "my_pipeline");
  assertEquals(seriesPrefix("fetch-migration"), "fetch_migration");
  assertEquals(seriesPrefix("a.b c:d_E9"), "a_b_c:d_E9");
  assertEquals(seriesPrefix("9lives"), "m_9lives");
  assertEquals(seriesPrefix("über"), "_ber");
  assertEquals(javaDouble(0), "0.0");
  assertEquals(javaDouble(3000), "3000.0");
  assertEquals(javaDouble(9_999_999), "9999999.0");
  assertEquals(javaDouble(10_000_000), "1.0E7");
  assertEquals(javaDouble(12_345_678), "1.2345678E7");
  assertEquals(javaDouble(0.25), "0.25");
  assertEquals(javaDouble(0.0001), "1.0E-4");
  assertEquals(javaDouble(-2), "-2.0");
  assertEquals(javaDouble(Infinity), "+Inf");
  assertEquals(javaDouble(NaN), "NaN");
});

Deno.test("metrics text: help and label values are escaped; a family without labels has no braces", () => {
  assertEquals(
    formatFamilies([{
      name: "x_total",
      type: "counter",
      help: 'a \\ b\nc "d"',
      samples: [{ labels: [["p", 'q"\\\n']], value: 1 }, { labels: [], value: 2 }],
    }]),
    '# HELP x_total a \\\\ b\\nc "d"\n# TYPE x_total counter\nx_total{p="q\\"\\\\\\n",} 1.0\n' +
      "x_total 2.0\n",
  );
});

Deno.test("metrics handler: Data Prepper's paths, methods and answers", async () => {
  const pipeline = new PipelineMetrics("my-pipeline");
  pipeline.update(PROGRESS);
  let shutdowns = 0;
  const handle = metricsHandler([pipeline], () => shutdowns++);
  const call = (method: string, path: string) =>
    handle(new Request(`http://127.0.0.1:4900${path}`, { method }));

  for (const path of ["/metrics/prometheus", "/metrics/sys"]) {
    for (const method of ["GET", "POST"]) {
      const response = call(method, path);
      assertEquals(response.status, 200);
      assertEquals(response.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
      assertStringIncludes(
        await response.text(),
        'my_pipeline_opensearch_documentsSuccess_total{serviceName="dataprepper",} 3000.0\n',
      );
    }
  }
  for (const method of ["GET", "POST"]) {
    const list = call(method, "/list");
    assertEquals(list.status, 200);
    assertEquals(await list.json(), { pipelines: [{ name: "my-pipeline" }] });
  }
  for (const method of ["GET", "PUT", "DELETE"]) {
    const refused = call(method, "/shutdown");
    assertEquals(refused.status, 405);
    assertEquals(refused.headers.get("allow"), "POST");
    await refused.body?.cancel();
  }
  assertEquals(shutdowns, 0);
  const shutdown = call("POST", "/shutdown");
  assertEquals(shutdown.status, 200);
  assertEquals(shutdowns, 1);
  assertEquals(call("DELETE", "/metrics/prometheus").status, 405);
  assertEquals(call("GET", "/nothing").status, 404);
});

Deno.test("metrics: noPartitionsAcquired counts idle polls only once the pipeline's run is over", () => {
  const pipeline = new PipelineMetrics("p");
  pipeline.poll();
  pipeline.poll();
  assertEquals(pipeline.snapshot().idlePolls, 0);
  pipeline.finish();
  pipeline.poll();
  pipeline.poll();
  assertEquals(pipeline.snapshot(), { name: "p", progress: undefined, idlePolls: 2 });
});

/** A target whose `_bulk` answers wait until the test lets them go. */
function heldTarget() {
  const held: Array<() => void> = [];
  const client = {
    url: "http://target.test",
    request: (_method: string, _path: string, options: { body: Uint8Array }) => {
      const count = bodyText(options.body).trim().split("\n").length / 2;
      return new Promise((resolve) =>
        held.push(() =>
          resolve({
            status: 200,
            headers: new Headers(),
            body: { items: Array.from({ length: count }, () => ({ index: { status: 201 } })) },
          })
        )
      );
    },
    httpError: () => new Error("http error"),
  } as unknown as ClusterClient;
  return { client, held };
}

function doc(id: string) {
  return { id, source: { n: 1 }, seqNo: 0 };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("writer: documents waiting for a request are buffered, those sent are in flight, and both end at 0", async () => {
  const { client, held } = heldTarget();
  const writer = new BulkWriter(client, {
    concurrency: 1,
    // One document per request.
    batchBytes: 10,
    maxAttempts: 3,
    deadLetters: new DeadLetterFile("/nonexistent/never-written.ndjson"),
  });
  const page = writer.write("i", [doc("a"), doc("b"), doc("c")]);
  await settle();
  assertEquals([writer.stats.queued, writer.stats.inFlight], [2, 1]);
  held.shift()!();
  await settle();
  assertEquals([writer.stats.queued, writer.stats.inFlight], [1, 1]);
  held.shift()!();
  await settle();
  held.shift()!();
  assertEquals(await page, { written: 3, deadLettered: 0 });
  assertEquals([writer.stats.queued, writer.stats.inFlight], [0, 0]);
});

Deno.test("writer: a stop leaves nothing counted as buffered or in flight", async () => {
  const { client, held } = heldTarget();
  const controller = new AbortController();
  const writer = new BulkWriter(client, {
    concurrency: 1,
    batchBytes: 10,
    maxAttempts: 3,
    deadLetters: new DeadLetterFile("/nonexistent/never-written.ndjson"),
    signal: controller.signal,
  });
  const page = writer.write("i", [doc("a"), doc("b"), doc("c")]);
  await settle();
  controller.abort();
  // The request already sent is let finish.
  held.shift()!();
  const error = await page.then(() => undefined, (e) => e);
  assert(isAbort(error, controller.signal), String(error));
  assertEquals([writer.stats.queued, writer.stats.inFlight], [0, 0]);
  assertEquals(writer.stats.written, 1);
});
