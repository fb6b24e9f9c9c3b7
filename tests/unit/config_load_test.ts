/** Choosing where endpoints come from: a file, INLINE_PIPELINE, or flags with env secrets. */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { loadAllEndpoints, loadEndpoints, loadTargetEndpoint } from "../../src/config/load.ts";
import { perPipelinePath, runJournalPath } from "../../src/journal/run-journal.ts";
import { describeEndpoint, redactUrl } from "../../src/config/redact.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const files: Record<string, string> = {
  "/pipe.yaml": `p:
  source: {opensearch: {hosts: ["https://src:9200"], username: u, password: p, connection: {cert: /ca.pem}}}
  sink: [{opensearch: {hosts: ["https://dst:9200"], disable_authentication: true}}]
`,
  "/two.yaml": `first:
  source: {opensearch: {hosts: ["http://a:9200"]}}
  sink: [{opensearch: {hosts: ["http://b:9200"]}}]
second:
  source: {opensearch: {hosts: ["http://c:9200"], indices: {include: [{index_name_regex: "x"}]}}}
  sink: [{opensearch: {hosts: ["http://d:9200"]}}]
`,
  "/ca.pem": CA,
  "/not-a-cert": "hello",
  "/pw": "from-file\n",
  "/key": "aWQ6a2V5\n",
};
const read = (path: string) =>
  path in files ? Promise.resolve(files[path]) : Promise.reject(new Error("No such file"));

Deno.test("--pipeline reads the file and its CA", async () => {
  const endpoints = await loadEndpoints({ pipeline: "/pipe.yaml" }, {}, read);
  assertEquals(endpoints.origin, "/pipe.yaml");
  assertEquals(endpoints.pipelineName, "p");
  assertEquals(endpoints.source.tls, { insecure: false, caCerts: [CA], caSource: "/ca.pem" });
  assertEquals(endpoints.target.auth, { kind: "none" });
});

Deno.test("--insecure and --target-ca apply on top of a pipeline file", async () => {
  const endpoints = await loadEndpoints(
    { pipeline: "/pipe.yaml", insecure: true, targetCa: "/ca.pem" },
    {},
    read,
  );
  assertEquals(endpoints.source.tls.insecure, true);
  assertEquals(endpoints.target.tls.caCerts, [CA]);
});

Deno.test("INLINE_PIPELINE is base64 YAML; INLINE_TARGET_HOST keeps the scheme it is given", async () => {
  const inline = btoa(files["/pipe.yaml"].replace(", connection: {cert: /ca.pem}", ""));
  const plain = await loadEndpoints({}, {
    INLINE_PIPELINE: inline,
    INLINE_TARGET_HOST: "http://new-target.example.com:9200",
  }, read);
  assertEquals(plain.origin, "INLINE_PIPELINE");
  assertEquals(plain.source.url, "https://src:9200");
  // Said http, meant http: turning it into https only earned a TLS error saying "use http".
  assertEquals(plain.target.url, "http://new-target.example.com:9200");
  const tls = await loadEndpoints({}, {
    INLINE_PIPELINE: inline,
    INLINE_TARGET_HOST: "https://new-target.example.com:9200",
  }, read);
  assertEquals(tls.target.url, "https://new-target.example.com:9200");
});

Deno.test("INLINE_TARGET_HOST as a bare host becomes an https URL; another scheme is refused", async () => {
  const endpoints = await loadEndpoints(
    { source: "http://a:9200", target: "http://b:9200" },
    { INLINE_TARGET_HOST: "search.example.com:9200" },
    read,
  );
  assertEquals(endpoints.target.url, "https://search.example.com:9200");
  const error = await assertRejects(() =>
    loadEndpoints(
      { source: "http://a:9200", target: "http://b:9200" },
      { INLINE_TARGET_HOST: "ftp://u:hunter2@search.example.com" },
      read,
    )
  );
  assertStringIncludes(error.message, "INLINE_TARGET_HOST");
  assert(!error.message.includes("hunter2"));
});

Deno.test("a URL without a scheme: the message says so and shows both http:// and https://", async () => {
  const error = await assertRejects(() =>
    loadEndpoints({ source: "127.0.0.1:19207", target: "http://b:9200" }, {}, read)
  );
  assertStringIncludes(error.message, '--source "127.0.0.1:19207" has no scheme');
  const hint = (error as { hint?: string }).hint ?? "";
  assertStringIncludes(hint, "--source http://127.0.0.1:19207");
  assertStringIncludes(hint, "--source https://127.0.0.1:19207");
  // A password typed into a scheme-less URL is not repeated back.
  const secret = await assertRejects(() =>
    loadEndpoints({ source: "http://a:9200", target: "admin:hunter2@b:9200" }, {}, read)
  );
  assert(!secret.message.includes("hunter2"));
  assert(!((secret as { hint?: string }).hint ?? "").includes("hunter2"));
  assertStringIncludes((secret as { hint?: string }).hint ?? "", "https://b:9200");
});

Deno.test("the target alone: from --target, or the pipeline's sink; never asks for a source", async () => {
  const flags = await loadTargetEndpoint({ target: "http://b:9200", targetUser: "u" }, {
    FETCH_MIGRATION_TARGET_PASSWORD: "pw",
  }, read);
  assertEquals(flags.url, "http://b:9200");
  assertEquals(flags.auth, { kind: "basic", username: "u", password: "pw" });
  const piped = await loadTargetEndpoint({ pipeline: "/pipe.yaml" }, {}, read);
  assertEquals(piped.url, "https://dst:9200");
  const overridden = await loadTargetEndpoint(
    { target: "http://b:9200" },
    { INLINE_TARGET_HOST: "http://c:9200" },
    read,
  );
  assertEquals(overridden.url, "http://c:9200");
  const error = await assertRejects(() => loadTargetEndpoint({}, {}, read));
  const said = `${error.message} ${(error as { hint?: string }).hint}`;
  assertStringIncludes(said, "--target");
  assertStringIncludes(said, "--pipeline");
  assert(!said.includes("--source"), said);
});

Deno.test("INLINE_PIPELINE that is not base64 names the variable", async () => {
  await assertRejects(
    () => loadEndpoints({}, { INLINE_PIPELINE: "%%%not base64" }, read),
    /INLINE_PIPELINE/,
  );
});

Deno.test("flags: the password comes from the environment, never argv", async () => {
  const endpoints = await loadEndpoints(
    { source: "http://a:9200", target: "https://b:9200", targetUser: "admin" },
    { FETCH_MIGRATION_TARGET_PASSWORD: "env-secret" },
    read,
  );
  assertEquals(endpoints.target.auth, { kind: "basic", username: "admin", password: "env-secret" });
  assertEquals(endpoints.source.auth, { kind: "none" });
});

Deno.test("flags: password and API key files, with the final newline dropped", async () => {
  const endpoints = await loadEndpoints(
    {
      source: "http://a:9200",
      target: "https://b:9200",
      sourceUser: "reader",
      sourcePasswordFile: "/pw",
      targetApiKeyFile: "/key",
    },
    {},
    read,
  );
  assertEquals(endpoints.source.auth, { kind: "basic", username: "reader", password: "from-file" });
  assertEquals(endpoints.target.auth, { kind: "apiKey", apiKey: "aWQ6a2V5" });
});

Deno.test("flags: a user without a password names the variable and the flag", async () => {
  const error = await assertRejects(() =>
    loadEndpoints({ source: "http://a:9200", target: "http://b:9200", sourceUser: "u" }, {}, read)
  );
  assertStringIncludes(error.message, "no password");
  assertStringIncludes((error as { hint?: string }).hint ?? "", "FETCH_MIGRATION_SOURCE_PASSWORD");
  assertStringIncludes((error as { hint?: string }).hint ?? "", "--source-password-file");
});

Deno.test("flags: AWS region means SigV4, aoss when asked", async () => {
  const endpoints = await loadEndpoints(
    {
      source: "http://a:9200",
      target: "https://b",
      targetAwsRegion: "us-east-1",
      targetAwsService: "aoss",
    },
    {},
    read,
  );
  assertEquals(endpoints.target.auth, { kind: "sigv4", region: "us-east-1", service: "aoss" });
});

Deno.test("flags: a missing target, a bad URL, a bad CA file and mixed modes are refused", async () => {
  await assertRejects(
    () => loadEndpoints({ source: "http://a:9200" }, {}, read),
    /no target cluster/,
  );
  await assertRejects(
    () => loadEndpoints({ source: "a:9200", target: "http://b" }, {}, read),
    /--source/,
  );
  await assertRejects(
    () =>
      loadEndpoints({ source: "http://a", target: "https://b", targetCa: "/not-a-cert" }, {}, read),
    /holds no PEM certificate/,
  );
  await assertRejects(
    () =>
      loadEndpoints({ source: "http://a", target: "https://b", targetCa: "/missing" }, {}, read),
    /cannot read the CA certificate \/missing \(--target-ca\)/,
  );
  await assertRejects(
    () => loadEndpoints({ pipeline: "/pipe.yaml", source: "http://a" }, {}, read),
    /--pipeline and --source/,
  );
});

Deno.test("redaction: URLs and endpoint descriptions never carry a secret", async () => {
  assertEquals(redactUrl("https://user:secret@host:9200/"), "https://host:9200");
  assertEquals(redactUrl("https://user:secret@host:9200/prefix"), "https://host:9200/prefix");
  const endpoints = await loadEndpoints(
    { source: "https://u:hunter2@a:9200", target: "https://b:9200" },
    {},
    read,
  );
  assertEquals(endpoints.source.url, "https://a:9200");
  const described = describeEndpoint(endpoints.source);
  assertStringIncludes(described, "basic auth as u");
  assert(!described.includes("hunter2"));
  assert(!JSON.stringify(endpoints.source.url).includes("hunter2"));
});

Deno.test("a file of several pipelines: run loads them all, --pipeline-name picks one", async () => {
  const all = await loadAllEndpoints({ pipeline: "/two.yaml" }, {}, read);
  assertEquals(all.map((endpoints) => endpoints.pipelineName), ["first", "second"]);
  assertEquals(all.map((endpoints) => endpoints.source.url), ["http://a:9200", "http://c:9200"]);
  assertEquals(all[1].selection.include, ["x"]);
  const overridden = await loadAllEndpoints(
    { pipeline: "/two.yaml" },
    { INLINE_TARGET_HOST: "http://z:9200" },
    read,
  );
  assertEquals(overridden.map((endpoints) => endpoints.target.url), [
    "http://z:9200",
    "http://z:9200",
  ]);
  const picked = await loadAllEndpoints(
    { pipeline: "/two.yaml", pipelineName: "second" },
    {},
    read,
  );
  assertEquals(picked.map((endpoints) => endpoints.pipelineName), ["second"]);
  const flags = await loadAllEndpoints(
    { source: "http://a:9200", target: "http://b:9200" },
    {},
    read,
  );
  assertEquals(flags.length, 1);
  assertEquals(flags[0].pipelineName, undefined);

  // One pipeline for the other commands: refused without a name, picked with one.
  const error = await assertRejects(() => loadEndpoints({ pipeline: "/two.yaml" }, {}, read));
  assertStringIncludes(String(error), "2 pipelines (first, second)");
  const second = await loadEndpoints({ pipeline: "/two.yaml", pipelineName: "second" }, {}, read);
  assertEquals(second.target.url, "http://d:9200");
  const target = await loadTargetEndpoint(
    { pipeline: "/two.yaml", pipelineName: "first" },
    {},
    read,
  );
  assertEquals(target.url, "http://b:9200");
});

Deno.test("--pipeline-name needs a pipeline file", async () => {
  const withFlags = await assertRejects(() =>
    loadEndpoints({ source: "http://a", target: "http://b", pipelineName: "p" }, {}, read)
  );
  assertStringIncludes(String(withFlags), "--pipeline-name");
  const alone = await assertRejects(() => loadEndpoints({ pipelineName: "p" }, {}, read));
  assertStringIncludes(String(alone), "no pipeline file is given");
});

Deno.test("journals of several pipelines: one per pipeline, the single pipeline's path unchanged", () => {
  const single = runJournalPath("http://a:9200", "http://b:9200", "/state");
  assertEquals(single, "/state/run-" + single.slice("/state/run-".length, -5) + ".json");
  assertEquals(single.length, "/state/run-".length + 12 + 5);
  const first = runJournalPath("http://a:9200", "http://b:9200", "/state", "first");
  const second = runJournalPath("http://a:9200", "http://b:9200", "/state", "second");
  assert(first.endsWith("-first.json") && second.endsWith("-second.json"), first);
  assert(first !== single && second.slice(0, 23) !== first.slice(0, 23));
  // Names that read the same once made safe for a file name still get their own journal.
  const dashed = runJournalPath("http://a:9200", "http://b:9200", "/state", "a-b");
  const spaced = runJournalPath("http://a:9200", "http://b:9200", "/state", "a b");
  assert(dashed !== spaced && spaced.endsWith("-a_b.json"), spaced);
  assertEquals(perPipelinePath("/tmp/run.json", "first"), "/tmp/run.first.json");
  assertEquals(perPipelinePath("/tmp/dead.ndjson", "a b"), "/tmp/dead.a_b.ndjson");
  assertEquals(perPipelinePath("/tmp/my.dir/journal", "p"), "/tmp/my.dir/journal.p");
});
