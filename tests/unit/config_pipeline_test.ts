/** Pipeline YAML in every shape the original Fetch Migration accepted. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "../assert.ts";
import { parsePipelinesYaml, parsePipelineYaml } from "../../src/config/pipeline.ts";
import { BadInputError } from "../../src/errors.ts";

function parse(text: string) {
  return parsePipelineYaml(text, "in.yaml");
}

function parseError(text: string): BadInputError {
  try {
    parse(text);
  } catch (error) {
    assert(error instanceof BadInputError, `expected a BadInputError, got ${error}`);
    return error;
  }
  throw new Error("expected the pipeline to be rejected");
}

Deno.test("the original README's pipeline: map source, list sink, basic auth, insecure", () => {
  const parsed = parse(`
historical-data-migration:
  source:
    opensearch:
      hosts: ["https://source:9200"]
      username: admin
      password: s3cret
      connection:
        insecure: true
  sink:
    - opensearch:
        hosts: ["https://target:9200"]
        username: "admin"
        password: "t4rget"
        insecure: true
`);
  assertEquals(parsed.pipelineName, "historical-data-migration");
  assertEquals(parsed.source.url, "https://source:9200");
  assertEquals(parsed.source.auth, { kind: "basic", username: "admin", password: "s3cret" });
  assertEquals(parsed.source.insecure, true);
  assertEquals(parsed.target.auth, { kind: "basic", username: "admin", password: "t4rget" });
  assertEquals(parsed.target.insecure, true);
  assertEquals(parsed.source.keyPath, "historical-data-migration.source.opensearch");
  assertEquals(parsed.target.keyPath, "historical-data-migration.sink[0].opensearch");
});

Deno.test("source as a list and sink as a map; hosts as a string", () => {
  const parsed = parse(`
p:
  source:
    - elasticsearch:
        hosts: http://es:9200
        disable_authentication: true
  sink:
    opensearch:
      hosts: http://os:9200
`);
  assertEquals(parsed.source.url, "http://es:9200");
  assertEquals(parsed.source.auth, { kind: "none" });
  assertEquals(parsed.target.url, "http://os:9200");
  assertEquals(parsed.target.auth, { kind: "none" });
});

Deno.test("the opensearch plugin of a sink list is found among other sinks", () => {
  const parsed = parse(`
p:
  source: {opensearch: {hosts: ["http://a:9200"]}}
  sink:
    - stdout: {}
    - opensearch: {hosts: ["http://b:9200"]}
`);
  assertEquals(parsed.target.url, "http://b:9200");
  assertEquals(parsed.target.keyPath, "p.sink[1].opensearch");
});

Deno.test("two opensearch sinks are refused, not silently cut to the first", () => {
  const error = assertThrows(
    () =>
      parse(`
p:
  source: {opensearch: {hosts: ["http://a:9200"]}}
  sink:
    - opensearch: {hosts: ["http://b:9200"]}
    - opensearch: {hosts: ["http://c:9200"]}
`),
    BadInputError,
  );
  assertStringIncludes(error.message, "p.sink[0].opensearch, p.sink[1].opensearch");
});

const TWO_PIPELINES = `
version: "2"
first:
  source: {opensearch: {hosts: ["http://a:9200"]}}
  sink: [{opensearch: {hosts: ["http://b:9200"]}}]
second:
  source: {opensearch: {hosts: ["http://x:9200"], indices: {include: [{index_name_regex: "s-.*"}]}}}
  sink: [{opensearch: {hosts: ["http://y:9200"]}}]
`;

Deno.test("version and pipeline_configurations are skipped; two pipelines need a name to pick one", () => {
  const parsed = parse(`
version: "2"
pipeline_configurations: {}
first:
  source: {opensearch: {hosts: ["http://a:9200"]}}
  sink: [{opensearch: {hosts: ["http://b:9200"]}}]
`);
  assertEquals(parsed.pipelineName, "first");
  assertEquals(parsed.source.url, "http://a:9200");
  const error = assertThrows(() => parse(TWO_PIPELINES), BadInputError);
  assertStringIncludes(error.message, "2 pipelines (first, second)");
  assertStringIncludes(error.hint ?? "", "--pipeline-name");
  const second = parsePipelineYaml(TWO_PIPELINES, "in.yaml", "second");
  assertEquals(second.pipelineName, "second");
  assertEquals(second.source.url, "http://x:9200");
  assertEquals(second.selection.include, ["s-.*"]);
  assertEquals(second.source.nodePath, ["second", "source", "opensearch"]);
  const unknown = assertThrows(
    () => parsePipelineYaml(TWO_PIPELINES, "in.yaml", "third"),
    BadInputError,
  );
  assertStringIncludes(unknown.message, 'no pipeline named "third" (it holds: first, second)');
});

Deno.test("every pipeline of a file, in its order, for run", () => {
  const all = parsePipelinesYaml(TWO_PIPELINES, "in.yaml");
  assertEquals(all.map((pipeline) => pipeline.pipelineName), ["first", "second"]);
  assertEquals(all.map((pipeline) => pipeline.target.url), ["http://b:9200", "http://y:9200"]);
  assertEquals(parsePipelinesYaml(TWO_PIPELINES.split("second:")[0], "in.yaml").length, 1);
  // A broken pipeline anywhere in the file is named, not skipped.
  const error = assertThrows(
    () => parsePipelinesYaml(TWO_PIPELINES.replace('hosts: ["http://y:9200"]', "x: 1"), "in.yaml"),
    BadInputError,
  );
  assertStringIncludes(error.message, "second.sink[0].opensearch.hosts");
});

Deno.test("the keys of a pipeline generated for Data Prepper are accepted, and change nothing", () => {
  const parsed = parse(`
migration-p1:
  workers: 2
  delay: 0
  buffer:
    bounded_blocking: {buffer_size: 100000, batch_size: 5000}
  processor:
    - date: {from_time_received: true}
  source:
    opensearch:
      hosts: ["https://src:9200"]
      authentication: {username: u, password: p}
      connection: {insecure: true}
      indices:
        include: [{index_name_regex: "^(idx-a|idx-b)$"}]
        exclude: [{index_name_regex: "\\\\..*"}]
      scheduling: {index_read_count: 1, discovery_mode: single_scan}
      search_options: {batch_size: 1000, search_context_type: scroll}
      distribution_version: es7
      acknowledgments: true
  sink:
    - opensearch:
        hosts: ["https://dst:9200"]
        authentication: {username: admin, password: x}
        insecure: true
        index: '\${getMetadata("opensearch-index")}'
        document_id: '\${getMetadata("opensearch-document_id")}'
        routing: '\${getMetadata("opensearch-document_routing")}'
        action: index
        bulk_size: 10
        max_retries: 20
        dlq_file: /abs/path/dlq-migration-p1.ndjson
`);
  assertEquals(parsed.pipelineName, "migration-p1");
  assertEquals(parsed.source.url, "https://src:9200");
  assertEquals(parsed.source.insecure, true);
  assertEquals(parsed.target.auth, { kind: "basic", username: "admin", password: "x" });
  assertEquals(parsed.selection, { include: ["^(idx-a|idx-b)$"], exclude: ["\\..*"] });
});

Deno.test("authentication: {username, password} is read", () => {
  const parsed = parse(`
p:
  source:
    opensearch:
      hosts: ["https://a:9200"]
      authentication: {username: reader, password: "p@ss: word"}
  sink: [{opensearch: {hosts: ["https://b:9200"], disable_authentication: true}}]
`);
  assertEquals(parsed.source.auth, { kind: "basic", username: "reader", password: "p@ss: word" });
});

Deno.test("username/password together with authentication is refused, as Data Prepper does", () => {
  const error = parseError(`
p:
  source:
    opensearch:
      hosts: ["https://a:9200"]
      username: u
      password: p
      authentication: {username: u, password: p}
  sink: [{opensearch: {hosts: ["https://b:9200"]}}]
`);
  assertStringIncludes(error.message, "p.source.opensearch");
  assertStringIncludes(error.message, "both");
});

Deno.test("credentials in a host URL become basic auth and leave the URL", () => {
  const parsed = parse(`
p:
  source: {opensearch: {hosts: ["https://user:pa%3Ass@a:9200"]}}
  sink: [{opensearch: {hosts: ["https://b:9200"]}}]
`);
  assertEquals(parsed.source.url, "https://a:9200");
  assertEquals(parsed.source.auth, { kind: "basic", username: "user", password: "pa:ss" });
});

Deno.test("aws_sigv4 with aws_region signs for es", () => {
  const parsed = parse(`
p:
  source: {opensearch: {hosts: ["http://a:9200"], disable_authentication: true}}
  sink:
    - opensearch:
        hosts: ["https://search-x.example.com"]
        aws_sigv4: true
        aws_region: eu-west-1
`);
  assertEquals(parsed.target.auth, { kind: "sigv4", region: "eu-west-1", service: "es" });
});

Deno.test("aws: {region, serverless, sts_role_arn} signs for aoss with the role", () => {
  const parsed = parse(`
p:
  source: {opensearch: {hosts: ["http://a:9200"]}}
  sink:
    - opensearch:
        hosts: ["https://abc.example.com"]
        aws:
          region: us-west-2
          serverless: true
          sts_role_arn: arn:aws:iam::123456789012:role/migration
`);
  assertEquals(parsed.target.auth, {
    kind: "sigv4",
    region: "us-west-2",
    service: "aoss",
    roleArn: "arn:aws:iam::123456789012:role/migration",
  });
});

Deno.test("the region is derived from es and aoss host names when not given", () => {
  const parsed = parse(`
p:
  source:
    opensearch:
      hosts: ["https://search-logs-abc.ap-southeast-2.es.amazonaws.com"]
      aws: {}
  sink:
    - opensearch:
        hosts: ["https://1a2b3c.us-east-1.aoss.amazonaws.com"]
        aws_sigv4: true
`);
  assertEquals(parsed.source.auth, { kind: "sigv4", region: "ap-southeast-2", service: "es" });
  assertEquals(parsed.target.auth, { kind: "sigv4", region: "us-east-1", service: "aoss" });
});

Deno.test("SigV4 without any region is refused with the key to add", () => {
  const error = parseError(`
p:
  source: {opensearch: {hosts: ["https://a.example.com"], aws_sigv4: true}}
  sink: [{opensearch: {hosts: ["https://b:9200"]}}]
`);
  assertStringIncludes(error.message, "p.source.opensearch");
  assertStringIncludes(error.hint ?? "", "region");
});

Deno.test("insecure at top level and under connection; cert and certificate as CA", () => {
  const parsed = parse(`
p:
  source:
    opensearch:
      hosts: ["https://a:9200"]
      connection: {cert: /etc/ssl/source-ca.pem}
  sink:
    - opensearch:
        hosts: ["https://b:9200"]
        insecure: true
        connection:
          certificate: /etc/ssl/target-ca.pem
`);
  assertEquals(parsed.source.insecure, false);
  assertEquals(parsed.source.ca, { path: "/etc/ssl/source-ca.pem" });
  assertEquals(parsed.target.insecure, true);
  assertEquals(parsed.target.ca, { path: "/etc/ssl/target-ca.pem" });
});

Deno.test("a sink's top-level cert and an inline PEM certificate are read", () => {
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const parsed = parse(`
p:
  source:
    opensearch:
      hosts: ["https://a:9200"]
      connection:
        certificate: |
${pem.split("\n").filter(Boolean).map((line) => `          ${line}`).join("\n")}
  sink:
    - opensearch: {hosts: ["https://b:9200"], cert: /ca.pem}
`);
  assertEquals(parsed.source.ca, { pem });
  assertEquals(parsed.target.ca, { path: "/ca.pem" });
});

Deno.test("indices include/exclude regexes of the source become the selection", () => {
  const parsed = parse(`
p:
  source:
    opensearch:
      hosts: ["http://a:9200"]
      indices:
        include:
          - index_name_regex: "logs-.*"
          - index_name_regex: "metrics"
        exclude:
          - index_name_regex: "\\\\..*"
  sink: [{opensearch: {hosts: ["http://b:9200"]}}]
`);
  assertEquals(parsed.selection, { include: ["logs-.*", "metrics"], exclude: ["\\..*"] });
});

Deno.test("malformed YAML names the file, the line and the column", () => {
  const error = parseError("p:\n  source:\n    opensearch: {hosts: [\n  sink: x\n");
  assertMatch(error.message, /in\.yaml is not valid YAML at line \d+, column \d+/);
});

Deno.test("a missing sink is named by its key path", () => {
  const error = parseError('p:\n  source: {opensearch: {hosts: ["http://a:9200"]}}\n');
  assertStringIncludes(error.message, "`p.sink` is missing");
});

Deno.test("missing hosts are named by their key path with what to write", () => {
  const error = parseError(
    'p:\n  source: {opensearch: {username: u, password: p}}\n  sink: [{opensearch: {hosts: ["http://b:9200"]}}]\n',
  );
  assertStringIncludes(error.message, "`p.source.opensearch.hosts` is missing");
  assertStringIncludes(error.hint ?? "", 'hosts: ["https://host:9200"]');
});

Deno.test("a sink without an opensearch plugin lists what it found", () => {
  const error = parseError(
    'p:\n  source: {opensearch: {hosts: ["http://a:9200"]}}\n  sink:\n    - stdout: {}\n    - s3: {}\n',
  );
  assertStringIncludes(error.message, "`p.sink` has no opensearch or elasticsearch plugin");
  assertStringIncludes(error.message, "stdout, s3");
});

Deno.test("a host that is not an http(s) URL is refused with the full form to write", () => {
  const error = parseError(
    'p:\n  source: {opensearch: {hosts: ["source:9200"]}}\n  sink: [{opensearch: {hosts: ["http://b:9200"]}}]\n',
  );
  assertStringIncludes(error.message, "p.source.opensearch.hosts");
  assertStringIncludes(error.hint ?? "", "https://source:9200");
});

Deno.test("a wrongly typed key is named with what to write", () => {
  const error = parseError(
    'p:\n  source: {opensearch: {hosts: ["http://a:9200"], insecure: maybe}}\n  sink: [{opensearch: {hosts: ["http://b:9200"]}}]\n',
  );
  assertStringIncludes(error.message, "p.source.opensearch.insecure");
  assertStringIncludes(error.hint ?? "", "insecure: true");
});

Deno.test("half of basic auth is refused and the missing half named", () => {
  const error = parseError(
    'p:\n  source: {opensearch: {hosts: ["http://a:9200"], username: u}}\n  sink: [{opensearch: {hosts: ["http://b:9200"]}}]\n',
  );
  assertStringIncludes(error.message, "p.source.opensearch.password");
});

Deno.test("no secret appears in any pipeline error message", () => {
  const error = parseError(
    'p:\n  source: {opensearch: {hosts: ["http://a:9200"], password: hunter2-secret}}\n  sink: [{opensearch: {hosts: ["http://b:9200"]}}]\n',
  );
  assert(
    !error.message.includes("hunter2-secret") && !(error.hint ?? "").includes("hunter2-secret"),
  );
});
