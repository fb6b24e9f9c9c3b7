/**
 * `monitor` against engines that serve Data Prepper's interface: native runs started with
 * `--metrics-port` (what works on them works on Data Prepper, whose interface they copy).
 * Complete → `/shutdown` and exit 0; several endpoints against one count; a copy that stops
 * short of the count is reported idle, exit 1, and nothing is shut down.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import {
  bulk,
  call,
  cleanUp,
  ensureNodes,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  runCli,
  runPrefix,
  spawnCli,
} from "./scene.ts";

async function load(node: NodeHandle, index: string, count: number): Promise<void> {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: 1, number_of_replicas: 0 },
  });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ index: { _index: index, _id: `d${i}` } }), `{"n":${i}}`);
  }
  await bulk(node.url, lines.join("\n") + "\n");
}

/** A native run serving its metrics on `port`, left running until /shutdown. */
function nativeRun(
  source: NodeHandle,
  target: NodeHandle,
  include: string,
  port: number,
  state: string,
): Deno.ChildProcess {
  const args = nativeRunArgs({ source, target, include }, [
    "--metrics-port",
    String(port),
    "--max-docs-per-second",
    "2000",
  ]);
  return spawnCli(args, { env: { XDG_STATE_HOME: state }, stderr: "piped" });
}

Deno.test("monitor watches native runs on two endpoints until every document arrived, then shuts both down", () =>
  inScene(["es7", "os2"], "monitor", async ({ es7, os2, p, dir }) => {
    await load(es7, `${p}a`, 3000);
    await load(es7, `${p}b`, 2000);
    const first = nativeRun(es7, os2, `${p}a`, 4934, dir);
    const second = nativeRun(es7, os2, `${p}b`, 4935, `${dir}/b`);
    const monitor = await runCli([
      "monitor",
      "http://127.0.0.1:4934",
      "http://127.0.0.1:4935",
      "5000",
      "--poll-interval",
      "1",
      "--json",
    ]);
    assertEquals(monitor.code, 0, monitor.stderr);
    const result = JSON.parse(monitor.stdout);
    assertEquals([result.status, result.reason, result.documents.copied], [
      "succeeded",
      "complete",
      5000,
    ]);
    assertStringIncludes(monitor.stderr, "sent /shutdown to 2 endpoints");
    // The engines stop on /shutdown, each with the exit code of a complete run.
    assertEquals((await first.status).code, 0);
    assertEquals((await second.status).code, 0);
    await first.stderr.cancel().catch(() => {});
    await second.stderr.cancel().catch(() => {});
  }));

Deno.test("monitor says idle, exit 1, when the counters stop short of the count, and leaves the engine running", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("monitor-idle");
  const state = await Deno.makeTempDir();
  await load(es7, `${p}a`, 10);
  const engine = nativeRun(es7, os2, `${p}*`, 4936, state);
  try {
    const monitor = await runCli([
      "monitor",
      "http://127.0.0.1:4936",
      "1000",
      "--poll-interval",
      "1",
      "--idle-polls",
      "3",
    ]);
    assertEquals(monitor.code, 1, monitor.stderr);
    assertStringIncludes(monitor.stderr, "the copy is not complete (idle: no change for 3 polls)");
    assertStringIncludes(monitor.stderr, "the engines were not shut down");
    const list = await fetch("http://127.0.0.1:4936/list").then((r) => r.json());
    assertEquals(list.pipelines.length, 1, "the engine still serves");
  } finally {
    await fetch("http://127.0.0.1:4936/shutdown", { method: "POST" }).then((r) => r.body?.cancel())
      .catch(() => {});
    await engine.status;
    await engine.stderr.cancel().catch(() => {});
    await cleanUp([es7.url, os2.url], p);
    await Deno.remove(state, { recursive: true });
  }
});
