/**
 * The network failing between the tool and its clusters, made by a real fault-injection proxy
 * (Toxiproxy, tests/harness/toxiproxy.ts) in front of es7 (the source, port 18401) and os2 (the
 * target, port 18402): latency, bandwidth limits, resets, a peer that stops answering, answers
 * and requests cut off mid-body, packets sliced small; for `plan`, `metadata`, `run --engine
 * native`, `run` with the Data Prepper engine (its original form, on the harness's stand-in home
 * unless FM_DATA_PREPPER_HOME names a real one) and `verify --checksums`.
 *
 * Each scenario ends either with `verify --checksums` passing and equal counts (nothing lost,
 * duplicated or skipped), or with a non-zero exit whose message says what happened and what to
 * run next; the test then runs exactly that, with the fault removed, and it works.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { dataPrepperHomeForTests, writeStandinHome } from "../harness/dataprepper.ts";
import { type FaultProxy, startToxiproxy } from "../harness/toxiproxy.ts";
import {
  assertRefused,
  assertVerified,
  bulk,
  call,
  type CliRun,
  endpoints,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  pipelineYaml,
  runCli,
  spawnCli,
  waitForCopied,
} from "./scene.ts";

/** This file's proxy ports (of the harness's 18401-18420) and Data Prepper ports (4930-4939). */
const SOURCE_PORT = 18401;
const TARGET_PORT = 18402;

/** The source's indices: two, of 3 and 2 shards, a few thousand documents in all. */
const INDICES = { a: { shards: 3, documents: 3000 }, b: { shards: 2, documents: 1500 } };
const TOTAL = 4500;

/** What one scenario works with: the nodes, a proxy in front of each, its prefix and a dir. */
interface Scene {
  es7: NodeHandle;
  os2: NodeHandle;
  source: FaultProxy;
  target: FaultProxy;
  /** Index prefix of this scenario. */
  p: string;
  /** Scratch directory; also the state directory (journals) of every command it runs. */
  dir: string;
  /** `fetch-migration <args>` with this scene's state directory. */
  cli(args: string[]): Promise<CliRun>;
}

/**
 * Runs `body` with fresh proxies to es7 and os2 and the source indices loaded; afterwards the
 * proxies are deleted (with their faults) and the scenario's indices removed from both nodes.
 */
async function scene(label: string, body: (scene: Scene) => Promise<void>): Promise<void> {
  await inScene(["es7", "os2"], `fnet-${label}`, async ({ es7, os2, p, dir }) => {
    const toxiproxy = await startToxiproxy();
    const source = await toxiproxy.createProxy("fnet-source", SOURCE_PORT, es7.url);
    const target = await toxiproxy.createProxy("fnet-target", TARGET_PORT, os2.url);
    const cli = (args: string[]) => runCli(args, { env: { XDG_STATE_HOME: dir } });
    try {
      await loadSource(es7, p);
      await body({ es7, os2, source, target, p, dir, cli });
    } finally {
      await source.delete();
      await target.delete();
    }
  });
}

/** Hex text that gzip cannot shrink much, so bandwidth limits bite: a fixed pseudo-random run. */
function noise(seed: number, length: number): string {
  let x = seed * 2654435761 >>> 0 || 1;
  let text = "";
  while (text.length < length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    text += (x >>> 0).toString(16).padStart(8, "0");
  }
  return text.slice(0, length);
}

async function loadSource(es7: NodeHandle, p: string): Promise<void> {
  for (const [name, { shards, documents }] of Object.entries(INDICES)) {
    const index = `${p}${name}`;
    await call(`${es7.url}/${index}`, "PUT", {
      settings: { number_of_shards: shards, number_of_replicas: 0 },
      mappings: { properties: { n: { type: "integer" }, text: { type: "keyword" } } },
    });
    const lines: string[] = [];
    for (let n = 0; n < documents; n++) {
      const meta: Record<string, string> = { _id: `d${n}` };
      if (n % 7 === 0) meta.routing = `r${n % 3}`;
      lines.push(JSON.stringify({ index: meta }), JSON.stringify({ n, text: noise(n, 240) }));
    }
    await bulk(`${es7.url}/${index}`, lines.join("\n") + "\n");
  }
}

/** `--source` and `--target` through the proxies, and this scene's indices. */
function via(scene: Scene): string[] {
  return endpoints(scene.source.url, scene.target.url, `${scene.p}*`);
}

/** `run --engine native` of this scene's indices, through the proxies, with its own journal. */
function nativeRun(scene: Scene, ...extra: string[]): string[] {
  const { source, target, p, dir } = scene;
  return nativeRunArgs(
    { source: source.url, target: target.url, include: `${p}*`, journal: `${dir}/run.json` },
    extra,
  );
}

/** The original tool's pipeline, its hosts the proxies. */
async function pipelineFile(scene: Scene): Promise<string> {
  const path = `${scene.dir}/pipeline.yaml`;
  await Deno.writeTextFile(
    path,
    pipelineYaml({ source: scene.source.url, regex: `${scene.p}.*`, target: scene.target.url }),
  );
  return path;
}

/**
 * Nothing lost, duplicated or skipped: every index holds the source's count on os2, and
 * `verify --checksums`, straight to the nodes (no proxy), passes.
 */
async function assertAllArrived(scene: Scene): Promise<void> {
  for (const [name, { documents }] of Object.entries(INDICES)) {
    const index = `${scene.p}${name}`;
    await call(`${scene.os2.url}/${index}/_refresh`, "POST");
    const { count } = await call(`${scene.os2.url}/${index}/_count`, "GET") as { count: number };
    assertEquals(count, documents, `${index} on the target`);
  }
  const verify = await assertVerified(scene.es7, scene.os2, scene.p, {
    env: { XDG_STATE_HOME: scene.dir },
  });
  assertStringIncludes(verify.stderr, "verification passed: 2 indices match");
}

/** Starts `fetch-migration <args>` in the background with the scene's state directory. */
function spawnIn(scene: Scene, args: string[]): Deno.ChildProcess {
  return spawnCli(args, { env: { XDG_STATE_HOME: scene.dir }, stdout: "piped", stderr: "piped" });
}

/** Waits until the target holds at least one document of `index` (read straight from os2). */
async function waitForDocuments(os2: NodeHandle, index: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    assert(Date.now() < deadline, `no document of ${index} reached the target in 60 s`);
    const answer = await fetch(`${os2.url}/${index}/_count`).then((r) => r.json()).catch(
      () => ({}),
    );
    if ((answer.count ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---- plan

Deno.test("plan through latency, a slow link and sliced packets on both sides: the same plan as on a clean network", async () => {
  await scene("plan-slow", async (s) => {
    const args = ["plan", ...via(s), "--json"];
    const clean = await s.cli(args);
    assertEquals(clean.code, 0, clean.stderr);
    await s.source.add({ type: "latency", attributes: { latency: 100, jitter: 50 } });
    await s.source.add({ type: "bandwidth", attributes: { rate: 64 } });
    await s.target.add({ type: "latency", stream: "upstream", attributes: { latency: 100 } });
    await s.target.add({
      type: "slicer",
      attributes: { average_size: 64, size_variation: 32, delay: 200 },
    });
    const slow = await s.cli(args);
    assertEquals(slow.code, 0, slow.stderr);
    const plan = JSON.parse(slow.stdout);
    assertEquals(plan, JSON.parse(clean.stdout));
    assertEquals(plan.indices.create.sort(), [`${s.p}a`, `${s.p}b`]);
    assertEquals(plan.documents.total, TOTAL);
  });
});

Deno.test("plan when every answer of the source is cut off mid-body: exit 3 says the answer was cut off and to run the same command again, which then works", async () => {
  await scene("plan-cut", async (s) => {
    const args = ["plan", ...via(s)];
    // Each connection to the source carries 300 bytes, then closes: the answer to the first
    // request (GET /, about 440 bytes with its headers) is cut in its body, on every attempt.
    await s.source.add({ type: "limit_data", attributes: { bytes: 300 } });
    const cut = await s.cli(args);
    assertRefused(cut, 3);
    assertMatch(
      cut.stderr,
      /error: the answer from 127\.0\.0\.1:18401 was cut off before its end \(error reading a body from connection\) \(GET http:\/\/127\.0\.0\.1:18401\)/,
    );
    assertMatch(
      cut.stderr,
      /hint: .*cuts connections or limits the size of answers; then run the same command again/,
    );
    await s.source.clear();
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, `Total number of documents to be moved: ${TOTAL}`);
  });
});

Deno.test("plan when the target stops answering: exit 3 says no answer within the --timeout and how to allow more; the same command works once it answers", async () => {
  await scene("plan-hang", async (s) => {
    const args = ["plan", ...via(s), "--timeout", "2"];
    // The target's answers are swallowed and the connection kept open: a hung node.
    await s.target.add({ type: "timeout", attributes: { timeout: 0 } });
    const hung = await s.cli(args);
    assertRefused(hung, 3);
    assertMatch(
      hung.stderr,
      /error: no answer from 127\.0\.0\.1:18402 within 2 s \(4 attempts, [\d.]+ s in all\) \(GET /,
    );
    assertMatch(
      hung.stderr,
      /hint: check that the cluster is healthy .*allow more time with --timeout SECONDS \(each attempt waits that long\); then run the same command again/,
    );
    await s.target.clear();
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, `Total number of documents to be moved: ${TOTAL}`);
  });
});

// ---- metadata

Deno.test("metadata through a slow, high-latency link to the target: both indices created as on the source, output.yaml lists exactly them", async () => {
  await scene("meta-slow", async (s) => {
    const pipeline = await pipelineFile(s);
    const output = `${s.dir}/output.yaml`;
    await s.target.add({ type: "bandwidth", stream: "upstream", attributes: { rate: 16 } });
    await s.target.add({ type: "latency", attributes: { latency: 150, jitter: 50 } });
    const run = await s.cli(["metadata", pipeline, output]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "created 2 on the target");
    for (const [name, { shards }] of Object.entries(INDICES)) {
      const settings = await call(`${s.os2.url}/${s.p}${name}/_settings`, "GET") as Record<
        string,
        { settings: { index: { number_of_shards: string } } }
      >;
      assertEquals(settings[`${s.p}${name}`].settings.index.number_of_shards, String(shards));
    }
    const written = await Deno.readTextFile(output);
    const regexes = [...written.matchAll(/index_name_regex: "?([^"\n]+)"?/g)].map((m) => m[1]);
    assertEquals(regexes.length, 2, written);
    assertStringIncludes(written, `${s.p}a`);
    assertStringIncludes(written, `${s.p}b`);
  });
});

Deno.test("metadata when the target resets every connection: exit 3 names the reset and what to check, nothing is created; the same command then creates both indices", async () => {
  await scene("meta-reset", async (s) => {
    const pipeline = await pipelineFile(s);
    const args = ["metadata", pipeline, `${s.dir}/output.yaml`];
    await s.target.add({ type: "reset_peer", attributes: { timeout: 0 } });
    const reset = await s.cli(args);
    assertRefused(reset, 3);
    assertMatch(
      reset.stderr,
      /error: the connection to 127\.0\.0\.1:18402 closed before an answer/,
    );
    assertStringIncludes(reset.stderr, "cuts connections");
    assertStringIncludes(reset.stderr, "then run the same command again");
    assertEquals(Object.keys(await call(`${s.os2.url}/${s.p}*`, "GET")), []);
    await s.target.clear();
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    assertEquals(Object.keys(await call(`${s.os2.url}/${s.p}*`, "GET")).sort(), [
      `${s.p}a`,
      `${s.p}b`,
    ]);
  });
});

// ---- run --engine native

Deno.test("run --engine native through latency and packets sliced small on both sides: exit 0, every document arrives once", async () => {
  await scene("native-slow", async (s) => {
    await s.source.add({ type: "latency", attributes: { latency: 40, jitter: 20 } });
    await s.source.add({ type: "slicer", attributes: { average_size: 1024, delay: 50 } });
    await s.target.add({ type: "latency", attributes: { latency: 40 } });
    await s.target.add({
      type: "slicer",
      stream: "upstream",
      attributes: { average_size: 1024, size_variation: 512, delay: 50 },
    });
    const run = await s.cli(nativeRun(s));
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "4,500 of 4,500 documents on the target");
    await assertAllArrived(s);
  });
});

Deno.test("run --engine native from a source behind a 256 KB/s link: exit 0, every document arrives once", async () => {
  await scene("native-bw", async (s) => {
    await s.source.add({ type: "bandwidth", attributes: { rate: 256 } });
    const run = await s.cli(nativeRun(s, "--json"));
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout).documents.copied, TOTAL);
    await assertAllArrived(s);
  });
});

Deno.test("run --engine native while the target's connections close in the middle of its bulk answers, after the documents were written: the lost answers' bulks are sent again, exit 0, nothing lost or duplicated", async () => {
  await scene("native-lost", async (s) => {
    const args = nativeRun(s, "--max-docs-per-second", "1500", "--batch-bytes", "64kb", "--json");
    const child = spawnIn(s, args);
    // Mid-copy, so the plan's reads (whose size depends on the node's other indices) are done:
    // from now on each connection to the target carries 8 KB of answers, then closes. A bulk of
    // 64 KB (about 230 documents) is answered in about 6 KB (uncompressed, cut to each item's
    // status), so one answer fits a fresh connection and the next on the same connection is cut.
    await waitForCopied(`${s.dir}/run.json`, 600);
    await s.target.add({ type: "limit_data", attributes: { bytes: 8_000 } });
    const run = await finished(child);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "was cut off before its end");
    const result = JSON.parse(run.stdout);
    assertEquals(result.documents.copied, TOTAL);
    assertEquals(result.documents.dead_lettered, 0);
    assert(result.documents.retried > 0, "no bulk answer was lost: the fault did not bite");
    await assertAllArrived(s);
  });
});

Deno.test("run --engine native while source pages and bulk requests are cut off mid-body on every few requests: exit 0, every document arrives once", async () => {
  await scene("native-cut", async (s) => {
    // A connection carries this much, then closes in the middle of whatever passes: answers of
    // the source (pages of 200 documents, about 71 KB), requests to the target (bulks of 64 KB:
    // one fits a fresh connection, the second is cut, whichever connections the pool reuses).
    await s.source.add({ type: "limit_data", attributes: { bytes: 120_000 } });
    await s.target.add({ type: "limit_data", stream: "upstream", attributes: { bytes: 90_000 } });
    // --verbose shows the pages read again after a cut.
    const run = await s.cli([
      "--verbose",
      ...nativeRun(s, "--page-size", "200", "--batch-bytes", "64kb", "--json"),
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "the answer from 127.0.0.1:18401 was cut off before its end");
    assertStringIncludes(run.stderr, 'bulk request to "http://127.0.0.1:18402" failed');
    const result = JSON.parse(run.stdout);
    assertEquals(result.documents.copied, TOTAL);
    assertEquals(result.documents.dead_lettered, 0);
    await assertAllArrived(s);
  });
});

Deno.test("run --engine native when the target starts resetting every connection mid-copy: exit 3, 'the copy stopped' with the same command to continue; that command continues and everything arrives", async () => {
  await scene("native-dead", async (s) => {
    const args = nativeRun(s, "--max-docs-per-second", "1500", "--max-attempts", "3");
    const child = spawnIn(s, args);
    await waitForCopied(`${s.dir}/run.json`, 600);
    await s.target.add({ type: "reset_peer", attributes: { timeout: 0 } });
    const failed = await finished(child);
    assertRefused(failed, 3);
    assertMatch(
      failed.stderr,
      /error: the copy stopped: the connection to 127\.0\.0\.1:18402 closed before an answer/,
    );
    assertStringIncludes(
      failed.stderr,
      `hint: fix the cause and run the same command again: it continues from the checkpoints ` +
        `in ${s.dir}/run.json`,
    );
    await s.target.clear();
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "continuing run");
    await assertAllArrived(s);
  });
});

Deno.test("run --engine native when the target stops answering mid-copy: exit 3 after a few timeouts of --timeout (not every batch waiting its turn), naming it; the same command continues", async () => {
  await scene("native-hang", async (s) => {
    const args = nativeRun(
      s,
      "--max-docs-per-second",
      "1500",
      "--max-attempts",
      "3",
      "--timeout",
      "5",
    );
    const child = spawnIn(s, args);
    await waitForCopied(`${s.dir}/run.json`, 600);
    await s.target.add({ type: "timeout", attributes: { timeout: 0 } });
    const failed = await finished(child);
    assertRefused(failed, 3);
    // The operator's --timeout, not a built-in one of minutes.
    assertMatch(
      failed.stderr,
      /error: the copy stopped: no answer from 127\.0\.0\.1:18402 within 5 s \(POST http:\/\/127\.0\.0\.1:18402\/_bulk\?pipeline=_none\)/,
    );
    assertStringIncludes(failed.stderr, "hint: fix the cause and run the same command again");
    await s.target.clear();
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "continuing run");
    await assertAllArrived(s);
  });
});

Deno.test("run --engine native when the source stops answering for 4 s, then the target resets every connection for 1 s, mid-copy: the run waits both out, exit 0, every document arrives once", async () => {
  await scene("native-outage", async (s) => {
    const child = spawnIn(s, nativeRun(s, "--max-docs-per-second", "1000", "--timeout", "3"));
    await waitForCopied(`${s.dir}/run.json`, 600);
    const hang = await s.source.add({ type: "timeout", attributes: { timeout: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 4000));
    await s.source.remove(hang);
    const reset = await s.target.add({ type: "reset_peer", attributes: { timeout: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await s.target.remove(reset);
    const run = await finished(child);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "4,500 of 4,500 documents on the target");
    await assertAllArrived(s);
  });
});

// ---- run <data-prepper-dir> <pipeline.yaml> <port>

/**
 * The Data Prepper home of these tests: a real one from FM_DATA_PREPPER_HOME, else a private
 * copy of the harness's stand-in (so no other test file's run shares its pipelines/ directory).
 */
async function dataPrepperHome(scene: Scene): Promise<string> {
  const { home, kind } = await dataPrepperHomeForTests();
  console.log(`Data Prepper home: ${kind}`);
  return kind === "stand-in" ? await writeStandinHome(`${scene.dir}/standin`) : home;
}

Deno.test("run <data-prepper-dir> <pipeline.yaml> 4930 through latency, sliced packets and source connections that close mid-page every few pages: exit 0, every document arrives once", async () => {
  await scene("dp-flaky", async (s) => {
    const home = await dataPrepperHome(s);
    const pipeline = await pipelineFile(s);
    await s.source.add({ type: "latency", attributes: { latency: 30, jitter: 20 } });
    // 450 KB per connection: any one page (at most 1 000 documents, about 360 KB uncompressed)
    // fits a fresh connection, the copy as a whole (about 1.6 MB) does not.
    await s.source.add({ type: "limit_data", attributes: { bytes: 450_000 } });
    await s.target.add({
      type: "slicer",
      stream: "upstream",
      attributes: { average_size: 2048, size_variation: 1024, delay: 20 },
    });
    // Polled every second for a quick end, but judged stuck only after a minute without progress
    // (the defaults give 150 s): a read cut off several times in a row backs off for seconds.
    const run = await s.cli([
      "run",
      home,
      pipeline,
      "4930",
      "--poll-interval",
      "1",
      "--idle-polls",
      "60",
      "--json",
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "Data Prepper stopped");
    assertEquals(JSON.parse(run.stdout).documents.copied, TOTAL);
    await assertAllArrived(s);
  });
});

Deno.test("run <data-prepper-dir> <pipeline.yaml> 4931 when the target starts resetting every connection mid-copy: exit 1 says Data Prepper failed, what was rolled back or is left and the commands to run; they work", async () => {
  await scene("dp-dead", async (s) => {
    const home = await dataPrepperHome(s);
    const pipeline = await pipelineFile(s);
    const args = ["run", home, pipeline, "4931", "--poll-interval", "1"];
    // A slow source keeps the copy going long enough to cut it in the middle.
    await s.source.add({ type: "bandwidth", attributes: { rate: 192 } });
    const child = spawnIn(s, args);
    await waitForDocuments(s.os2, `${s.p}a`);
    await s.target.add({ type: "reset_peer", attributes: { timeout: 0 } });
    const failed = await finished(child);
    assertRefused(failed, 1);
    // Data Prepper gives up on the target, or stops moving and is stopped as stuck.
    assertMatch(
      failed.stderr,
      /error: Data Prepper (exited \(code \d+\) before the copy was done|made no progress for 5 polls)/,
    );
    assertStringIncludes(
      failed.stderr,
      "the connection to 127.0.0.1:18402 closed before an answer",
    );
    // The rollback goes through the same broken link: either it got through, or the message
    // says what is left and the command that removes it.
    const rollback = failed.stderr.match(
      /undo the rest with `fetch-migration (rollback --journal \S+ --target \S+)`/,
    );
    assert(
      rollback || failed.stderr.includes("what this run created was rolled back"),
      failed.stderr,
    );
    await s.target.clear();
    await s.source.clear();
    if (rollback) {
      const undo = await s.cli(rollback[1].split(" "));
      assertEquals(undo.code, 0, undo.stderr);
    }
    assertEquals(Object.keys(await call(`${s.os2.url}/${s.p}*`, "GET")), [], "rolled back");
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    await assertAllArrived(s);
  });
});

// ---- verify --checksums

Deno.test("verify --checksums through latency, sliced packets and connections that close mid-page every few pages: passes on equal indices, and still names a missing and a changed document", async () => {
  await scene("verify-flaky", async (s) => {
    const copy = await s.cli(nativeRun(s));
    assertEquals(copy.code, 0, copy.stderr);
    for (const proxy of [s.source, s.target]) {
      await proxy.add({ type: "latency", attributes: { latency: 20, jitter: 10 } });
      await proxy.add({ type: "slicer", attributes: { average_size: 1500, delay: 20 } });
      // Any one page fits a fresh connection; a side's reads as a whole do not.
      await proxy.add({ type: "limit_data", attributes: { bytes: 120_000 } });
    }
    const args = ["verify", ...via(s), "--checksums"];
    // --verbose shows the pages read again after a cut.
    const equal = await s.cli(["--verbose", ...args]);
    assertEquals(equal.code, 0, equal.stderr);
    assertStringIncludes(equal.stderr, "verification passed: 2 indices match");
    assertStringIncludes(equal.stderr, "was cut off before its end", "the fault did not bite");
    await call(`${s.os2.url}/${s.p}a/_doc/d5?refresh=true`, "DELETE");
    await call(`${s.os2.url}/${s.p}b/_doc/d8?refresh=true`, "PUT", { n: 8, text: "changed" });
    const differs = await s.cli(args);
    assertEquals(differs.code, 1, differs.stderr);
    assertMatch(differs.stderr, /d5/);
    assertMatch(differs.stderr, /d8/);
  });
});

Deno.test("verify --checksums when the target's pages are cut off mid-body: exit 3 says the answer was cut off and to run the same command again, which then passes", async () => {
  await scene("verify-cut", async (s) => {
    const copy = await s.cli(nativeRun(s));
    assertEquals(copy.code, 0, copy.stderr);
    const args = ["verify", ...via(s), "--checksums"];
    await s.target.add({ type: "limit_data", attributes: { bytes: 20_000 } });
    const cut = await s.cli(args);
    assertRefused(cut, 3);
    assertMatch(
      cut.stderr,
      /error: the answer from 127\.0\.0\.1:18402 was cut off before its end .*_search/,
    );
    assertStringIncludes(cut.stderr, "then run the same command again");
    await s.target.clear();
    const again = await s.cli(args);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "verification passed: 2 indices match");
  });
});
