/**
 * `info` against real nodes: every source distribution, the TLS + basic-auth proxy, an
 * unreachable host and bad pipeline files, each checked through the CLI's exit code and output.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { ensureNodes, type NodeHandle, pipelineYaml, proxyLogin, runCli } from "./scene.ts";

const SOURCES = ["es6", "es7", "es8", "os1", "os2", "os3"] as const;
const EXPECTED: Record<(typeof SOURCES)[number], { distribution: string; major: string }> = {
  es6: { distribution: "elasticsearch", major: "6" },
  es7: { distribution: "elasticsearch", major: "7" },
  es8: { distribution: "elasticsearch", major: "8" },
  os1: { distribution: "opensearch", major: "1" },
  os2: { distribution: "opensearch", major: "2" },
  os3: { distribution: "opensearch", major: "3" },
};

let nodes: Record<string, NodeHandle> | undefined;
async function node(name: string): Promise<NodeHandle> {
  nodes ??= await ensureNodes([...SOURCES, "proxy"]);
  const handle = nodes[name];
  assert(handle, `the harness returned no handle for ${name}`);
  return handle;
}

for (const name of SOURCES) {
  Deno.test(`info --json reads ${name} as source and os2 as target`, async () => {
    const source = await node(name);
    const target = await node("os2");
    const run = await runCli(["info", "--source", source.url, "--target", target.url, "--json"]);
    assertEquals(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assertEquals(result.source.distribution, EXPECTED[name].distribution);
    assertEquals(result.source.version.split(".")[0], EXPECTED[name].major);
    assertEquals(result.source.version, source.version);
    assertEquals(result.target.distribution, "opensearch");
    assertMatch(result.source.health, /^(green|yellow)$/);
    assert(Number.isInteger(result.source.index_count));
  });
}

Deno.test("info prints human text on stderr and nothing on stdout", async () => {
  const es7 = await node("es7");
  const os2 = await node("os2");
  const run = await runCli(["info", "--source", es7.url, "--target", os2.url]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stdout, "");
  assertStringIncludes(run.stderr, `elasticsearch ${es7.version}`);
  assertStringIncludes(run.stderr, `opensearch ${os2.version}`);
});

Deno.test("through the TLS proxy: the right password and the CA connect", async () => {
  const proxy = await node("proxy");
  const es7 = await node("es7");
  const run = await runCli(
    ["info", "--source", es7.url, "--target", proxy.url, "--target-ca", proxy.caPath!, "--json"],
    {
      env: {
        FETCH_MIGRATION_TARGET_USER: proxy.username!,
        FETCH_MIGRATION_TARGET_PASSWORD: proxy.password!,
      },
    },
  );
  assertEquals(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assertEquals(result.target.distribution, "opensearch");
  assertEquals(result.target.url, proxy.url);
  assert(!run.stdout.includes(proxy.password!) && !run.stderr.includes(proxy.password!));
});

Deno.test("through the TLS proxy: a wrong password exits 3 and says authentication failed", async () => {
  const proxy = await node("proxy");
  const es7 = await node("es7");
  const wrong = "not-the-password";
  const run = await runCli(
    ["info", "--source", es7.url, "--target", proxy.url, "--target-ca", proxy.caPath!],
    {
      env: { FETCH_MIGRATION_TARGET_USER: proxy.username!, FETCH_MIGRATION_TARGET_PASSWORD: wrong },
    },
  );
  assertEquals(run.code, 3, run.stderr);
  assertMatch(run.stderr, /authentication failed/i);
  assertStringIncludes(run.stderr, "127.0.0.1:" + new URL(proxy.url).port);
  assert(!run.stderr.includes(wrong), "the password must never be printed");
});

Deno.test("through the TLS proxy: no CA exits 3, names the certificate problem and the fixes", async () => {
  const proxy = await node("proxy");
  const es7 = await node("es7");
  const run = await runCli(
    ["info", "--source", es7.url, "--target", proxy.url],
    {
      env: {
        FETCH_MIGRATION_TARGET_USER: proxy.username!,
        FETCH_MIGRATION_TARGET_PASSWORD: proxy.password!,
      },
    },
  );
  assertEquals(run.code, 3, run.stderr);
  assertMatch(run.stderr, /certificate/i);
  assertStringIncludes(run.stderr, "--insecure");
  assertStringIncludes(run.stderr, "--target-ca");
});

Deno.test("through the TLS proxy: --insecure connects without the CA", async () => {
  const proxy = await node("proxy");
  const es7 = await node("es7");
  const run = await runCli(
    ["info", "--source", es7.url, "--target", proxy.url, "--insecure", "--json"],
    {
      env: {
        FETCH_MIGRATION_TARGET_USER: proxy.username!,
        FETCH_MIGRATION_TARGET_PASSWORD: proxy.password!,
      },
    },
  );
  assertEquals(run.code, 0, run.stderr);
  assertEquals(JSON.parse(run.stdout).target.distribution, "opensearch");
});

Deno.test("a pipeline file with the proxy as sink connects with its credentials and CA", async () => {
  const proxy = await node("proxy");
  const es7 = await node("es7");
  const dir = await Deno.makeTempDir();
  const file = `${dir}/pipeline.yaml`;
  await Deno.writeTextFile(
    file,
    "# a pipeline as the original Fetch Migration read it\n" + pipelineYaml({
      source: es7,
      sourceSettings: { disable_authentication: true },
      target: proxy,
      sinkSettings: proxyLogin(proxy),
    }),
    { mode: 0o600 },
  );
  const run = await runCli(["info", "--pipeline", file, "--json"]);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(JSON.parse(run.stdout).target.distribution, "opensearch");
  assert(!run.stdout.includes(proxy.password!) && !run.stderr.includes(proxy.password!));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an unreachable host exits 3 and names the host and port", async () => {
  const os2 = await node("os2");
  const run = await runCli(["info", "--source", "http://127.0.0.1:19999", "--target", os2.url]);
  assertEquals(run.code, 3, run.stderr);
  assertStringIncludes(run.stderr, "127.0.0.1:19999");
  assertMatch(run.stderr, /connect|refused/i);
});

Deno.test("a malformed pipeline file exits 2 and names the file and the line", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/broken.yaml`;
  await Deno.writeTextFile(file, "pipeline:\n  source:\n    opensearch: {hosts: [\n  sink: x\n");
  const run = await runCli(["info", "--pipeline", file]);
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, file);
  assertMatch(run.stderr, /line \d+/i);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an incomplete pipeline file exits 2 and names the missing key", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/incomplete.yaml`;
  await Deno.writeTextFile(
    file,
    "my-pipeline:\n  source:\n    opensearch:\n      disable_authentication: true\n" +
      '  sink:\n    - opensearch:\n        hosts: ["http://127.0.0.1:19302"]\n',
  );
  const run = await runCli(["info", "--pipeline", file]);
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, "my-pipeline.source.opensearch.hosts");
  await Deno.remove(dir, { recursive: true });
});
