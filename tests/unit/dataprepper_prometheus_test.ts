/** Prometheus text as Data Prepper (Micrometer's simpleclient registry) serves it. */
import { assert, assertEquals } from "../assert.ts";
import {
  parsePrometheusText,
  pipelineSeriesPrefix,
  seriesValue,
} from "../../src/dataprepper/prometheus.ts";

/**
 * Micrometer writes `# HELP <name>  ` (its help is " ") for meters without a description, a
 * trailing comma after the last label, `.0` on whole values and Java's `1.0E7` for large ones.
 */
const DATA_PREPPER = [
  "# HELP my_pipeline_opensearch_documentsSuccess_total  ",
  "# TYPE my_pipeline_opensearch_documentsSuccess_total counter",
  'my_pipeline_opensearch_documentsSuccess_total{serviceName="dataprepper",} 12345.0',
  'my_pipeline_opensearch_documentErrors_total{serviceName="dataprepper",} 2.0',
  "# HELP my_pipeline_BlockingBuffer_recordsInFlight  ",
  "# TYPE my_pipeline_BlockingBuffer_recordsInFlight gauge",
  'my_pipeline_BlockingBuffer_recordsInFlight{serviceName="dataprepper",} NaN',
  'my_pipeline_opensearch_bytesReceived_max{serviceName="dataprepper",} 1.0E7',
  'my_pipeline_opensearch_documentStatuses_total{serviceName="dataprepper",status="201",} 3.0',
  'my_pipeline_opensearch_documentStatuses_total{serviceName="dataprepper",status="200",} 4.0',
  'jvm_gc_pause_seconds_max{action="end of minor GC",cause="G1 Evacuation Pause",} +Inf',
  "process_uptime_seconds -Inf",
  "",
].join("\n");

Deno.test("Data Prepper's exact output: blank HELP, TYPE or not, trailing commas, NaN and Inf", () => {
  const invalid: string[] = [];
  const samples = parsePrometheusText(DATA_PREPPER, (line) => invalid.push(line));
  assertEquals(invalid, []);
  assertEquals(samples.length, 8);
  assertEquals(samples[0], {
    name: "my_pipeline_opensearch_documentsSuccess_total",
    labels: { serviceName: "dataprepper" },
    value: 12345,
  });
  // A counter without HELP/TYPE lines reads the same.
  assertEquals(samples[1].value, 2);
  assert(Number.isNaN(samples[2].value));
  assertEquals(samples[3].value, 10_000_000);
  assertEquals(samples[4].labels, { serviceName: "dataprepper", status: "201" });
  assertEquals(samples[6].labels, { action: "end of minor GC", cause: "G1 Evacuation Pause" });
  assertEquals(samples[6].value, Number.POSITIVE_INFINITY);
  assertEquals(samples[7], {
    name: "process_uptime_seconds",
    labels: {},
    value: Number.NEGATIVE_INFINITY,
  });
});

Deno.test("labels: escapes, spaces, no trailing comma, empty braces; timestamps; CRLF", () => {
  const samples = parsePrometheusText(
    'a{path="C:\\\\dir",quote="say \\"hi\\"",nl="x\\ny", b = "2" } 1 1700000000000\r\n' +
      "b{} 2.5\r\n" +
      "c 3e2\n",
  );
  assertEquals(samples, [
    {
      name: "a",
      labels: { path: "C:\\dir", quote: 'say "hi"', nl: "x\ny", b: "2" },
      value: 1,
    },
    { name: "b", labels: {}, value: 2.5 },
    { name: "c", labels: {}, value: 300 },
  ]);
});

Deno.test("lines that are not samples are skipped and reported, the rest still read", () => {
  const reported: Array<[string, number]> = [];
  const samples = parsePrometheusText(
    [
      "<html>not metrics</html>",
      'good{serviceName="dataprepper",} 1.0',
      'unclosed{serviceName="dataprepper" 1.0',
      "no_value",
      "bad_value 12abc",
      "bad_timestamp 1 soon",
      "too many 1 2 3",
      'ok_after{a="b"} 2',
    ].join("\n"),
    (line, number) => reported.push([line, number]),
  );
  assertEquals(samples.map((sample) => sample.name), ["good", "ok_after"]);
  assertEquals(reported.map(([, number]) => number), [1, 3, 4, 5, 6, 7]);
});

Deno.test("pipelineSeriesPrefix follows Micrometer's naming convention", () => {
  assertEquals(pipelineSeriesPrefix("my-pipeline"), "my_pipeline");
  assertEquals(pipelineSeriesPrefix("fetch-migration-2"), "fetch_migration_2");
  assertEquals(pipelineSeriesPrefix("a.b:c_d"), "a_b:c_d");
  assertEquals(pipelineSeriesPrefix("héllo wörld"), "h_llo_w_rld");
  // Micrometer puts `m_` before a name that does not start with a letter.
  assertEquals(pipelineSeriesPrefix("1st"), "m_1st");
  assertEquals(pipelineSeriesPrefix("-x"), "m__x");
});

Deno.test("seriesValue: with or without _total, summed over label sets, missing is undefined", () => {
  const samples = parsePrometheusText(DATA_PREPPER);
  assertEquals(seriesValue(samples, "my-pipeline", "opensearch_documentsSuccess"), 12345);
  assertEquals(seriesValue(samples, "my-pipeline", "opensearch_documentStatuses"), 7);
  assertEquals(seriesValue(samples, "my-pipeline", "opensearch_bytesReceived_max"), 10_000_000);
  assertEquals(
    seriesValue(samples, "my-pipeline", "source_coordinator_partitionsCompleted"),
    undefined,
  );
  assertEquals(seriesValue(samples, "other", "opensearch_documentsSuccess"), undefined);
  // Parsers that strip `_total` (prometheus_client) give the bare name: both are read.
  const stripped = parsePrometheusText(
    'p_opensearch_documentsSuccess{serviceName="dataprepper",} 5.0',
  );
  assertEquals(seriesValue(stripped, "p", "opensearch_documentsSuccess"), 5);
});

Deno.test("seriesValue reads one pipeline's series, not another's with a longer name", () => {
  const samples = parsePrometheusText([
    "fm_opensearch_documentsSuccess_total 1.0",
    "fm_1_opensearch_documentsSuccess_total 10.0",
    "fm_2_opensearch_documentsSuccess_total 100.0",
  ].join("\n"));
  assertEquals(seriesValue(samples, "fm", "opensearch_documentsSuccess"), 1);
  assertEquals(seriesValue(samples, "fm-1", "opensearch_documentsSuccess"), 10);
  assertEquals(seriesValue(samples, "fm-2", "opensearch_documentsSuccess"), 100);
});
