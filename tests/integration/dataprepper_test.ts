/**
 * The Data Prepper engine end to end: the original form `run <data-prepper-dir> <pipeline.yaml>
 * [port]` writes the pipeline, starts Data Prepper, watches its metrics, stops it and exits 0
 * only when every document arrived. It drives `FM_DATA_PREPPER_HOME` (a real Data Prepper) when
 * set, else the harness's stand-in home, whose launcher runs our native engine behind Data
 * Prepper's interface; each test prints which one ran.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { dataPrepperHomeForTests } from "../harness/dataprepper.ts";
import {
  assertVerified,
  bulk,
  call,
  cleanUp,
  ensureNodes,
  finished,
  inScene,
  type NodeHandle,
  pipelineYaml,
  refreshedCount,
  runCli,
  runPrefix,
  spawnCli,
} from "./scene.ts";

/** Three indices of `sizes` documents, some routed, into `node`. */
async function load(node: NodeHandle, p: string, sizes: number[]): Promise<string[]> {
  const names: string[] = [];
  for (const [n, size] of sizes.entries()) {
    const index = `${p}i${n}`;
    names.push(index);
    await call(`${node.url}/${index}`, "PUT", {
      settings: { number_of_shards: 2, number_of_replicas: 0 },
    });
    const lines: string[] = [];
    for (let i = 0; i < size; i++) {
      const meta: Record<string, string> = { _index: index, _id: `d${i}` };
      if (i % 7 === 0) meta.routing = `r${i % 3}`;
      lines.push(JSON.stringify({ index: meta }), JSON.stringify({ n: i, text: `doc ${i} é` }));
    }
    if (lines.length > 0) await bulk(node.url, lines.join("\n") + "\n");
  }
  return names;
}

/** The original tool's pipeline: this source and sink, indices of prefix `p`. */
async function pipelineFile(source: NodeHandle, target: NodeHandle, p: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/pipeline.yaml`;
  await Deno.writeTextFile(
    path,
    "# the operator's pipeline\n" + pipelineYaml({
      source,
      sourceSettings: { disable_authentication: true },
      regex: `${p}.*`,
      target,
      sinkSettings: { disable_authentication: true },
    }),
  );
  return path;
}

// es7 -> os2 runs with the status page, below.
const pairs = [["es8", "os2", 4918], ["os1", "os3", 4919]] as const;
for (const [sourceName, targetName, port] of pairs) {
  Deno.test(`run <data-prepper-dir> <pipeline.yaml> ${port}: ${sourceName} -> ${targetName}, every document arrives, the engine is stopped`, async () => {
    const { home, kind } = await dataPrepperHomeForTests();
    console.log(`Data Prepper home: ${kind} (${home})`);
    const nodes = await ensureNodes([sourceName, targetName]);
    const [source, target] = [nodes[sourceName], nodes[targetName]];
    const p = runPrefix(`dp-${sourceName}`);
    const state = await Deno.makeTempDir();
    try {
      const indices = await load(source, p, [1500, 900, 0]);
      const pipeline = await pipelineFile(source, target, p);
      const run = await runCli(
        ["run", home, pipeline, String(port), "--insecure", "--poll-interval", "1", "--json"],
        { env: { XDG_STATE_HOME: state } },
      );
      assertEquals(run.code, 0, run.stderr);
      assertMatch(run.stderr, /progress: /);
      assertStringIncludes(run.stderr, "Data Prepper stopped");
      const result = JSON.parse(run.stdout);
      assertEquals(result.documents.copied, 2400);
      for (const [n, index] of indices.entries()) {
        assertEquals(await refreshedCount(target.url, index), [1500, 900, 0][n], index);
      }
      await assertVerified(source, target, p);
      // The engine is gone: nothing answers on its port any more.
      await assertPortClosed(port);
    } finally {
      await cleanUp([source.url, target.url], p);
      await Deno.remove(state, { recursive: true });
    }
  });
}

async function assertPortClosed(port: number): Promise<void> {
  const answered = await fetch(`http://127.0.0.1:${port}/list`)
    .then((r) => r.body?.cancel().then(() => true))
    .catch(() => false);
  assert(!answered, `something still answers on port ${port}`);
}

Deno.test("run <data-prepper-dir> with --pipelines 3 splits the indices into three pipelines and still copies everything", () =>
  inScene(["es7", "os2"], "dp-k3", async ({ es7, os2, p, dir }) => {
    const { home, kind } = await dataPrepperHomeForTests();
    console.log(`Data Prepper home: ${kind} (${home})`);
    const indices = await load(es7, p, [1200, 800, 400, 300]);
    const pipeline = await pipelineFile(es7, os2, p);
    const run = await runCli(
      ["run", home, pipeline, "4920", "--pipelines", "3", "--poll-interval", "1", "--json"],
      { env: { XDG_STATE_HOME: dir } },
    );
    assertEquals(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assertEquals(result.documents.pipelines, 3);
    for (const [n, index] of indices.entries()) {
      assertEquals(await refreshedCount(os2.url, index), [1200, 800, 400, 300][n], index);
    }
  }));

Deno.test("Data Prepper killed with SIGKILL mid-run: non-zero exit, what the run created rolled back, the message says what happened, and the same command then copies everything", () =>
  inScene(["es7", "os2"], "dp-kill", async ({ es7, os2, p, dir }) => {
    const { home, kind } = await dataPrepperHomeForTests();
    console.log(`Data Prepper home: ${kind} (${home})`);
    await load(es7, p, [40000]);
    const pipeline = await pipelineFile(es7, os2, p);
    const child = spawnCli(["run", home, pipeline, "4921", "--poll-interval", "1"], {
      env: { XDG_STATE_HOME: dir },
      stderr: "piped",
    });
    // Once documents arrive, kill the engine (not our process) as the OOM killer would.
    const deadline = Date.now() + 60_000;
    let killed = false;
    while (!killed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const there = await fetch(`${os2.url}/${p}i0/_count`).then((r) => r.json()).catch(() => ({}));
      if ((there.count ?? 0) > 0) {
        const pkill = await new Deno.Command("pkill", {
          args: ["-KILL", "-f", `(${home}/pipelines|data-prepper.dir=${home})`],
        }).output();
        killed = pkill.success;
      }
    }
    assert(killed, "the engine was never seen copying, so it could not be killed");
    const { code, stderr } = await finished(child);
    assertEquals(code, 1, stderr);
    assertMatch(stderr, /Data Prepper exited \(code \d+\) before the copy was done/);
    assertStringIncludes(stderr, "what this run created was rolled back");
    const left = await fetch(`${os2.url}/${p}*`).then((r) => r.json());
    assertEquals(Object.keys(left), [], "the index the run created is gone");
    // The message's fix: the same command again.
    assertStringIncludes(stderr, "run the same command again");
    const again = await runCli(["run", home, pipeline, "4921", "--poll-interval", "1"], {
      env: { XDG_STATE_HOME: dir },
    });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await refreshedCount(os2.url, `${p}i0`), 40000);
  }));

Deno.test("run <data-prepper-dir> --dryrun changes nothing and starts nothing; --createonly creates and copies nothing", () =>
  inScene(["es7", "os2"], "dp-dry", async ({ es7, os2, p, dir }) => {
    const { home } = await dataPrepperHomeForTests();
    await load(es7, p, [50]);
    const pipeline = await pipelineFile(es7, os2, p);
    const dry = await runCli(["run", home, pipeline, "4922", "--dryrun"], {
      env: { XDG_STATE_HOME: dir },
    });
    assertEquals(dry.code, 0, dry.stderr);
    assertEquals(Object.keys(await fetch(`${os2.url}/${p}*`).then((r) => r.json())), []);
    const create = await runCli(["run", home, pipeline, "4922", "--createonly"], {
      env: { XDG_STATE_HOME: dir },
    });
    assertEquals(create.code, 0, create.stderr);
    assertEquals(await refreshedCount(os2.url, `${p}i0`), 0);
    await assertPortClosed(4922);
  }));

Deno.test("run <data-prepper-dir> refuses an Elasticsearch 6 source before creating anything, naming --engine native", () =>
  inScene(["es6", "os2"], "dp-es6", async ({ es6, os2, p }) => {
    const { home } = await dataPrepperHomeForTests();
    await call(`${es6.url}/${p}a`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    const pipeline = await pipelineFile(es6, os2, p);
    const run = await runCli(["run", home, pipeline, "4923"]);
    assertEquals(run.code, 2, run.stderr);
    assertStringIncludes(run.stderr, "--engine native");
    assertEquals(Object.keys(await fetch(`${os2.url}/${p}*`).then((r) => r.json())), []);
  }));

Deno.test("run <data-prepper-dir> <pipeline.yaml> --insecure keeps the original meaning (Data Prepper's API is plain http): the target's certificate is still checked", async () => {
  const { home } = await dataPrepperHomeForTests();
  const { es7, proxy } = await ensureNodes(["es7", "proxy"]);
  const dir = await Deno.makeTempDir();
  try {
    const pipeline = `${dir}/pipeline.yaml`;
    await Deno.writeTextFile(
      pipeline,
      pipelineYaml({
        source: es7,
        target: proxy,
        sinkSettings: { username: proxy.username!, password: proxy.password! },
      }),
    );
    const run = await runCli(["run", home, pipeline, "4922", "--insecure", "--dryrun"]);
    assertEquals(run.code, 3, run.stderr);
    assertStringIncludes(run.stderr, "Data Prepper's API is plain http");
    assertStringIncludes(run.stderr, "TLS certificate of 127.0.0.1");
    assert(!run.stderr.includes(proxy.password!), "the password must never be printed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run <data-prepper-dir> <pipeline.yaml> 4917 --metrics-port: es7 -> os2, every document arrives, the status page follows the copy beside Data Prepper's metrics, the engine is stopped", async () => {
  const { home, kind } = await dataPrepperHomeForTests();
  console.log(`Data Prepper home: ${kind} (${home})`);
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("dp-page");
  const state = await Deno.makeTempDir();
  const [port, page] = [4917, 4978];
  try {
    const indices = await load(es7, p, [1500, 900, 0]);
    const pipeline = await pipelineFile(es7, os2, p);
    const child = spawnCli(
      ["run", home, pipeline, String(port), "--insecure", "--poll-interval", "1"]
        .concat(["--metrics-port", String(page), "--json"]),
      { env: { XDG_STATE_HOME: state }, stdout: "piped", stderr: "piped" },
    );
    let over = false;
    const output = finished(child, 120).finally(() => over = true);
    const seen = new Set<string>();
    let last: Record<string, unknown> | undefined;
    for (let i = 0; i < 600 && !over; i++) {
      const status = await fetch(`http://127.0.0.1:${page}/status.json`)
        .then((r) => r.ok ? r.json() : undefined, () => undefined);
      if (status) {
        seen.add(status.phase);
        last = status;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ran = await output;
    assertEquals(ran.code, 0, ran.stderr);
    assertStringIncludes(ran.stderr, `status page at http://127.0.0.1:${page}/`);
    assert(seen.has("copy"), `the page never showed the copy: ${[...seen]}`);
    assertEquals(last?.command, "run");
    assertEquals(last?.documents_expected, 2400);
    assertEquals(
      (last?.indices as Array<{ name: string }>).map(({ name }) => name).sort(),
      indices,
    );
    assertStringIncludes(ran.stderr, "Data Prepper stopped");
    assertEquals(JSON.parse(ran.stdout).documents.copied, 2400);
    for (const [n, index] of indices.entries()) {
      assertEquals(await refreshedCount(os2.url, index), [1500, 900, 0][n], index);
    }
    await assertVerified(es7, os2, p);
    await assertPortClosed(port);
  } finally {
    await cleanUp([es7.url, os2.url], p);
    await Deno.remove(state, { recursive: true });
  }
});
