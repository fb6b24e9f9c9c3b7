/**
 * The Data Prepper pipeline file, checked against golden files in `golden/` (each starts with
 * `# deno-fmt-ignore-file`, then the exact output). After a deliberate change, rewrite them with
 * `UPDATE_GOLDEN=1 deno test -A tests/unit/dataprepper_pipeline_writer_test.ts` and review the
 * diff.
 */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../assert.ts";
import type { ClusterInfo } from "../../src/cluster/version.ts";
import type { EndpointConfig } from "../../src/config/types.ts";
import { parsePipelineYaml } from "../../src/config/pipeline.ts";
import { parseYaml } from "../../src/deps.ts";
import {
  dlqFileFor,
  type PipelineWriterInput,
  searchContextFor,
  splitBySize,
  writePipelineYaml,
} from "../../src/dataprepper/pipeline-writer.ts";
import { fullMatchRegExp } from "../../src/metadata/selection.ts";
import { BadInputError } from "../../src/errors.ts";

/** Keeps `deno fmt` from restyling a golden file: it holds the output byte for byte. */
const FMT_IGNORE = "# deno-fmt-ignore-file\n";

async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`./golden/${name}`, import.meta.url);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.writeTextFile(url, FMT_IGNORE + actual);
    return;
  }
  const expected = await Deno.readTextFile(url);
  assertEquals(FMT_IGNORE + actual, expected, `the output differs from golden/${name}`);
}

function info(
  distribution: ClusterInfo["distribution"],
  version: string,
  extra: Partial<ClusterInfo> = {},
): ClusterInfo {
  const [major, minor, patch] = version.split(".").map(Number);
  return { distribution, version, major, minor, patch, clusterName: "source", ...extra };
}

const ES7 = info("elasticsearch", "7.10.2", { buildFlavor: "default" });
const ES7_OSS = info("elasticsearch", "7.10.2", { buildFlavor: "oss" });
const ES8 = info("elasticsearch", "8.15.3", { buildFlavor: "default" });
const OS219 = info("opensearch", "2.19.1");
const OS1 = info("opensearch", "1.3.20");

const PIPELINE = `migration:
  source:
    opensearch:
      hosts: ["https://source:9200"]
      username: reader
      password: source-secret
      connection:
        insecure: true
  sink:
    - opensearch:
        hosts: ["https://target:9200"]
        username: writer
        password: target-secret
        insecure: true
`;

function fromFile(source: ClusterInfo, extra: Partial<PipelineWriterInput> = {}) {
  return writePipelineYaml({
    original: { text: PIPELINE, origin: "pipeline.yaml" },
    indices: { "logs-2024.01": 1200, metrics: 300 },
    source,
    pipelineName: "fetch-migration",
    dlqPath: "/var/lib/fetch-migration/dead-letters.ndjson",
    ...extra,
  });
}

type Plugin = Record<string, unknown> & {
  search_options?: Record<string, unknown>;
  indices?: { include: Array<{ index_name_regex: string }> };
};

/** The source and sink plugin maps of pipeline `name` in written text. */
function plugins(text: string, name: string): { source: Plugin; sink: Plugin } {
  const root = parseYaml(text) as Record<
    string,
    { source: { opensearch: Plugin }; sink: Array<{ opensearch: Plugin }> }
  >;
  return { source: root[name].source.opensearch, sink: root[name].sink[0].opensearch };
}

Deno.test("Elasticsearch 7.10 default flavor: point in time left to Data Prepper", async () => {
  const written = fromFile(ES7);
  await assertGolden("es7-default.yaml", written.text);
  assertEquals(written.searchContextType, undefined);
  assertEquals(plugins(written.text, "fetch-migration").source.search_options, {
    batch_size: 1000,
  });
  assertEquals(written.pipelines, [{
    name: "fetch-migration",
    seriesPrefix: "fetch_migration",
    indices: ["logs-2024.01", "metrics"],
    documents: 1500,
    dlqFile: "/var/lib/fetch-migration/dead-letters.ndjson",
  }]);
});

Deno.test("Elasticsearch 7 oss flavor: scroll", async () => {
  const written = fromFile(ES7_OSS);
  await assertGolden("es7-oss.yaml", written.text);
  assertEquals(written.searchContextType, "scroll");
});

Deno.test("Elasticsearch 8: scroll (PIT sorts on _id, which 8.x refuses)", async () => {
  const written = fromFile(ES8);
  await assertGolden("es8.yaml", written.text);
  assertEquals(written.searchContextType, "scroll");
});

Deno.test("OpenSearch 2.19: point in time", async () => {
  const written = fromFile(OS219);
  await assertGolden("os2.19.yaml", written.text);
  assertEquals(written.searchContextType, undefined);
});

Deno.test("OpenSearch 1.x: scroll", async () => {
  const written = fromFile(OS1);
  await assertGolden("os1.yaml", written.text);
  assertEquals(written.searchContextType, "scroll");
});

Deno.test("the written file reads back: exact regexes, ids and indices from metadata", () => {
  const written = fromFile(OS1);
  const parsed = parsePipelineYaml(written.text, "out.yaml");
  assertEquals(parsed.pipelineName, "fetch-migration");
  assertEquals(parsed.source.auth, {
    kind: "basic",
    username: "reader",
    password: "source-secret",
  });
  assertEquals(parsed.selection.exclude, ["\\..*"]);
  const regexes = parsed.selection.include.map(fullMatchRegExp);
  assert(regexes[0].test("logs-2024.01"));
  assert(!regexes[0].test("logs-2024x01"), "the dot is escaped");
  assert(!regexes[1].test("metrics-old"), "the regex matches whole names only");
  const { source, sink } = plugins(written.text, "fetch-migration");
  assertEquals(source.acknowledgments, true);
  assertEquals(sink.index, '${getMetadata("opensearch-index")}');
  assertEquals(sink.document_id, '${getMetadata("opensearch-document_id")}');
  assertEquals(sink.max_retries, undefined);
  assertEquals(sink.routing, undefined);
});

Deno.test("searchContextFor by distribution, version and flavor", () => {
  assertEquals(searchContextFor(info("opensearch", "2.4.1")), "scroll");
  assertEquals(searchContextFor(info("opensearch", "2.5.0")), undefined);
  assertEquals(searchContextFor(info("opensearch", "3.1.0")), undefined);
  // OpenSearch 1.x answering as Elasticsearch 7.10.2.
  assertEquals(
    searchContextFor(info("opensearch", "7.10.2", { compatibilityMode: true })),
    "scroll",
  );
  assertEquals(
    searchContextFor(info("elasticsearch", "7.9.3", { buildFlavor: "default" })),
    "scroll",
  );
  assertEquals(
    searchContextFor(info("elasticsearch", "7.17.22", { buildFlavor: "default" })),
    undefined,
  );
  assertEquals(searchContextFor(info("elasticsearch", "7.17.22")), "scroll", "flavor unknown");
  assertEquals(
    searchContextFor(info("elasticsearch", "9.0.0", { buildFlavor: "default" })),
    "scroll",
  );
});

Deno.test("Elasticsearch 6 is refused, naming --engine native", () => {
  for (const version of ["6.8.23", "5.6.16"]) {
    const error = assertThrows(
      () => fromFile(info("elasticsearch", version, { buildFlavor: "default" })),
      BadInputError,
    );
    assertStringIncludes(error.message, `Elasticsearch ${version}`);
    assertStringIncludes(error.hint ?? "", "--engine native");
    assert(!`${error.message} ${error.hint}`.includes("secret"));
  }
});

Deno.test("splitBySize: largest first into the least-loaded list, no empty list", () => {
  const sizes = { a: 500, b: 400, c: 300, d: 200, e: 100, f: 100 };
  assertEquals(splitBySize(sizes, 3), [["a", "f"], ["b", "e"], ["c", "d"]]);
  assertEquals(splitBySize(sizes, 1), [["a", "b", "c", "d", "e", "f"]]);
  // K is capped at the number of indices.
  assertEquals(splitBySize({ x: 1, y: 2 }, 5), [["y"], ["x"]]);
  assertEquals(splitBySize({}, 3), []);
  // Empty indices still spread, by name.
  assertEquals(splitBySize({ c: 0, a: 0, b: 0 }, 2), [["a", "c"], ["b"]]);
  // Every index once, in one list only.
  const many = Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [`i${i}`, (i * 7919) % 1000]),
  );
  const lists = splitBySize(many, 4);
  assertEquals(lists.length, 4);
  assertEquals(lists.flat().sort(), Object.keys(many).sort());
  const loads = lists.map((list) => list.reduce((sum, name) => sum + many[name], 0));
  assert(Math.max(...loads) - Math.min(...loads) <= Math.max(...Object.values(many)));
  for (const k of [0, -1, 1.5]) assertThrows(() => splitBySize(many, k), BadInputError);
});

Deno.test("K = 3: three pipelines in one file, each with its indices and dead-letter file", async () => {
  const written = writePipelineYaml({
    original: { text: PIPELINE, origin: "pipeline.yaml" },
    indices: { a: 500, b: 400, c: 300, d: 200, e: 100, f: 100 },
    source: OS219,
    pipelineName: "fm",
    dlqPath: "/tmp/run/dlq.ndjson",
    pipelines: 3,
  });
  await assertGolden("split-k3.yaml", written.text);
  assertEquals(
    written.pipelines.map(({ name, seriesPrefix, indices, documents, dlqFile }) => ({
      name,
      seriesPrefix,
      indices,
      documents,
      dlqFile,
    })),
    [
      {
        name: "fm-1",
        seriesPrefix: "fm_1",
        indices: ["a", "f"],
        documents: 600,
        dlqFile: "/tmp/run/dlq-1.ndjson",
      },
      {
        name: "fm-2",
        seriesPrefix: "fm_2",
        indices: ["b", "e"],
        documents: 500,
        dlqFile: "/tmp/run/dlq-2.ndjson",
      },
      {
        name: "fm-3",
        seriesPrefix: "fm_3",
        indices: ["c", "d"],
        documents: 500,
        dlqFile: "/tmp/run/dlq-3.ndjson",
      },
    ],
  );
  const root = parseYaml(written.text) as Record<string, unknown>;
  assertEquals(Object.keys(root), ["fm-1", "fm-2", "fm-3"]);
});

Deno.test("dlqFileFor numbers the file before its extension", () => {
  assertEquals(dlqFileFor("/a/dlq.ndjson", 1, 1), "/a/dlq.ndjson");
  assertEquals(dlqFileFor("/a/dlq.ndjson", 2, 3), "/a/dlq-2.ndjson");
  assertEquals(dlqFileFor("/a.d/dlq", 2, 3), "/a.d/dlq-2");
  assertEquals(dlqFileFor("/a/.dlq", 1, 2), "/a/.dlq-1");
});

const COMMENTED = `# Migration of the 2024 logs.
version: "2"
pipeline_configurations:
  aws:
    secrets:
      creds: {secret_id: my-secret, region: us-east-1}
# The one pipeline.
historical-data-migration:
  workers: 8 # was tuned by hand
  buffer:
    bounded_blocking: {buffer_size: 512, batch_size: 8}
  # Where from.
  source:
    elasticsearch:
      hosts: ["https://source:9200"]
      authentication:
        username: reader
        password: "\${{aws_secrets:creds:password}}"
      connection: {cert: /etc/ssl/source-ca.pem, socket_timeout: 120s}
      indices:
        include:
          - index_name_regex: "logs-.*" # everything of 2024
        exclude:
          - index_name_regex: "logs-old"
      scheduling: {index_read_count: 1}
      search_options: {batch_size: 500, sort: [{name: "@timestamp"}]}
  processor:
    - date: {from_time_received: true, destination: "@ingested"}
  sink:
    - opensearch: {hosts: ["https://target:9200"], aws: {region: eu-west-1, sts_role_arn: "arn:aws:iam::123456789012:role/writer"}, index: "copy-\${getMetadata(\\"opensearch-index\\")}", document_id_field: "getMetadata(\\"opensearch-document_id\\")", bulk_size: 10, max_retries: 16, dlq: {s3: {bucket: b}}}
    - stdout: # for debugging
`;

Deno.test("a commented file with extra keys: comments and other keys kept", async () => {
  const written = writePipelineYaml({
    original: { text: COMMENTED, origin: "/etc/fetch/pipeline.yaml" },
    indices: { "logs-2024.01": 10, "logs-2024.02": 20 },
    source: info("elasticsearch", "7.17.22", { buildFlavor: "default" }),
    pipelineName: "historical-data-migration",
    dlqPath: "/var/dlq.ndjson",
  });
  await assertGolden("comments-kept.yaml", written.text);
  for (
    const comment of [
      "# Migration of the 2024 logs.",
      "# The one pipeline.",
      "# Where from.",
      "# for debugging",
      "# was tuned by hand",
    ]
  ) {
    assertStringIncludes(written.text, comment);
  }
  const root = parseYaml(written.text) as Record<string, Record<string, unknown>>;
  assertEquals(root.version as unknown, "2");
  assertEquals(Object.keys(root.pipeline_configurations), ["aws"]);
  const pipeline = root["historical-data-migration"];
  assertEquals(pipeline.workers, 2);
  assertEquals(pipeline.delay, 0);
  assertEquals(pipeline.buffer, { bounded_blocking: { buffer_size: 10000, batch_size: 1000 } });
  assertEquals(pipeline.processor, [{
    date: { from_time_received: true, destination: "@ingested" },
  }]);
  const { source, sink } = plugins(written.text, "historical-data-migration");
  assertEquals(source.connection, { cert: "/etc/ssl/source-ca.pem", socket_timeout: "120s" });
  assertEquals(source.authentication, {
    username: "reader",
    password: "${{aws_secrets:creds:password}}",
  });
  assertEquals(source.scheduling, { index_read_count: 1 });
  assertEquals(source.search_options, { batch_size: 1000, sort: [{ name: "@timestamp" }] });
  assertEquals(sink.aws, {
    region: "eu-west-1",
    sts_role_arn: "arn:aws:iam::123456789012:role/writer",
  });
  assertEquals(sink.bulk_size, 10);
  assertEquals(sink.max_retries, 16, "a user's max_retries is theirs");
  assertEquals(sink.document_id_field, undefined);
  assertEquals(sink.dlq, undefined);
  assertEquals(sink.dlq_file, "/var/dlq.ndjson");
  assertEquals(sink.index, '${getMetadata("opensearch-index")}');
  const sinks = root["historical-data-migration"].sink as Array<Record<string, unknown>>;
  assertEquals(Object.keys(sinks[1]), ["stdout"]);
});

const PASSWORD = "fake-Pa55word!";

function endpoint(url: string, extra: Partial<EndpointConfig> = {}): EndpointConfig {
  return { url, auth: { kind: "none" }, tls: { insecure: false }, ...extra };
}

Deno.test("flags only, basic auth: written from the endpoints; the password nowhere else", async () => {
  const printed: string[] = [];
  const saved = { ...console };
  for (const method of ["log", "error", "warn", "info", "debug"] as const) {
    console[method] = (...args: unknown[]) => printed.push(args.map(String).join(" "));
  }
  let written;
  try {
    written = writePipelineYaml({
      endpoints: {
        source: endpoint("https://source.example.com:9200", {
          auth: { kind: "basic", username: "reader", password: PASSWORD },
          tls: {
            insecure: false,
            caCerts: ["-----BEGIN CERTIFICATE-----"],
            caSource: "/etc/ssl/source-ca.pem",
          },
        }),
        target: endpoint("https://target.example.com:9200", {
          auth: { kind: "basic", username: "admin", password: PASSWORD },
          tls: { insecure: true },
        }),
      },
      indices: { orders: 42 },
      source: ES7,
      pipelineName: "fetch-migration",
      dlqPath: "/var/lib/fetch-migration/dead-letters.ndjson",
    });
  } finally {
    Object.assign(console, saved);
  }
  await assertGolden("flags-basic.yaml", written.text);
  assertEquals(written.text.split(PASSWORD).length - 1, 2, "source and target passwords");
  const { text: _text, ...rest } = written;
  assert(!JSON.stringify(rest).includes(PASSWORD), "the result's other fields hold no secret");
  assertEquals(printed, [], "nothing is printed");
  const { source, sink } = plugins(written.text, "fetch-migration");
  assertEquals(source.authentication, { username: "reader", password: PASSWORD });
  assertEquals(source.connection, { cert: "/etc/ssl/source-ca.pem" });
  assertEquals(sink.authentication, { username: "admin", password: PASSWORD });
  assertEquals(sink.insecure, true);
});

Deno.test("flags only: no auth, SigV4 and serverless", () => {
  const written = writePipelineYaml({
    endpoints: {
      source: endpoint("http://source:9200"),
      target: endpoint("https://search-x.eu-west-1.es.amazonaws.com", {
        auth: {
          kind: "sigv4",
          region: "eu-west-1",
          service: "es",
          roleArn: "arn:aws:iam::123456789012:role/writer",
        },
      }),
    },
    indices: { a: 1 },
    source: OS1,
    pipelineName: "p",
    dlqPath: "/d.ndjson",
  });
  const { source, sink } = plugins(written.text, "p");
  assertEquals(source.disable_authentication, true);
  assertEquals(source.connection, undefined);
  assertEquals(source.search_options, { batch_size: 1000, search_context_type: "scroll" });
  assertEquals(sink.disable_authentication, undefined, "the sink has no such key");
  assertEquals(sink.aws, {
    region: "eu-west-1",
    sts_role_arn: "arn:aws:iam::123456789012:role/writer",
  });

  const serverless = writePipelineYaml({
    endpoints: {
      source: endpoint("https://abc.us-east-1.aoss.amazonaws.com", {
        auth: { kind: "sigv4", region: "us-east-1", service: "aoss" },
      }),
      target: endpoint("http://target:9200"),
    },
    indices: { a: 1 },
    source: info("opensearch", "2.0.0"),
    pipelineName: "p",
    dlqPath: "/d.ndjson",
  });
  const aoss = plugins(serverless.text, "p").source;
  assertEquals(aoss.aws, { region: "us-east-1", serverless: true });
  // Data Prepper refuses scroll on serverless.
  assertEquals(aoss.search_options, { batch_size: 1000 });
  assertEquals(serverless.searchContextType, undefined);
});

Deno.test("refused: API keys, an inline CA from flags, a relative dead-letter path", () => {
  const base = {
    indices: { a: 1 },
    source: OS219,
    pipelineName: "p",
    dlqPath: "/d.ndjson",
  };
  const apiKey = assertThrows(() =>
    writePipelineYaml({
      ...base,
      endpoints: {
        source: endpoint("https://s:9200", { auth: { kind: "apiKey", apiKey: PASSWORD } }),
        target: endpoint("https://t:9200"),
      },
    }), BadInputError);
  assertStringIncludes(apiKey.hint ?? "", "--engine native");
  assert(!`${apiKey.message} ${apiKey.hint}`.includes(PASSWORD));
  assertThrows(() =>
    writePipelineYaml({
      ...base,
      endpoints: {
        source: endpoint("https://s:9200"),
        target: endpoint("https://t:9200", {
          tls: { insecure: false, caCerts: ["PEM"], caSource: "p.sink (inline certificate)" },
        }),
      },
    }), BadInputError);
  assertThrows(
    () => fromFile(OS219, { dlqPath: "dead-letters.ndjson" }),
    BadInputError,
  );
  for (const pipelineName of ["", "version", "extension"]) {
    assertThrows(() => fromFile(OS219, { pipelineName }), BadInputError);
  }
});

Deno.test("values that YAML 1.1 (Data Prepper's reader) would turn into non-strings are quoted", () => {
  const written = writePipelineYaml({
    endpoints: {
      source: endpoint("https://s:9200", {
        auth: { kind: "basic", username: "0777", password: "on" },
      }),
      target: endpoint("https://t:9200", {
        auth: { kind: "basic", username: "yes", password: "1e3" },
      }),
    },
    indices: { "true": 1, "0x10": 2 },
    source: OS219,
    pipelineName: "p",
    dlqPath: "/d.ndjson",
  });
  const root = parseYaml(written.text, { version: "1.1" }) as Record<
    string,
    { source: { opensearch: Plugin }; sink: Array<{ opensearch: Plugin }> }
  >;
  const source = root.p.source.opensearch;
  const sink = root.p.sink[0].opensearch;
  assertEquals(source.authentication, { username: "0777", password: "on" });
  assertEquals(sink.authentication, { username: "yes", password: "1e3" });
  assertEquals(source.indices?.include, [
    { index_name_regex: "0x10" },
    { index_name_regex: "true" },
  ]);
});

Deno.test("a file of several pipelines: the one named is rewritten, the others left out", () => {
  const text = `version: "2"
first:
  source: {opensearch: {hosts: ["https://a:9200"], disable_authentication: true}}
  sink: [{opensearch: {hosts: ["https://b:9200"]}}]
# The second one.
second:
  source: {opensearch: {hosts: ["https://c:9200"], disable_authentication: true}}
  sink: [{opensearch: {hosts: ["https://d:9200"]}}]
`;
  const written = writePipelineYaml({
    original: { text, origin: "two.yaml", pipeline: "second" },
    indices: { a: 1 },
    source: OS219,
    pipelineName: "fm",
    dlqPath: "/d.ndjson",
  });
  const root = parseYaml(written.text) as Record<string, unknown>;
  assertEquals(Object.keys(root), ["version", "fm"]);
  assertStringIncludes(written.text, "# The second one.\nfm:");
  assertEquals(plugins(written.text, "fm").source.hosts, ["https://c:9200"]);
  const missing = assertThrows(
    () =>
      writePipelineYaml({
        original: { text, origin: "two.yaml", pipeline: "third" },
        indices: { a: 1 },
        source: OS219,
        pipelineName: "fm",
        dlqPath: "/d.ndjson",
      }),
    BadInputError,
  );
  assertEquals(missing.message, 'two.yaml has no pipeline named "third" (it holds: first, second)');
});
