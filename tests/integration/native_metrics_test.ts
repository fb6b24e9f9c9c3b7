/**
 * `run --engine native` speaking Data Prepper's HTTP API against real clusters: the Prometheus
 * series a Data Prepper monitor reads, `/list`, `POST /shutdown` after and during a copy, a file
 * of two pipelines each under its own series, and `--exit-when-done`.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  bulk,
  call,
  countOf,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  runCli,
  TEST_STATE_HOME,
} from "./scene.ts";

const SERVICE = '{serviceName="dataprepper",}';

/** Whether the child is still running (its status has not settled). */
async function running(child: Deno.ChildProcess): Promise<boolean> {
  const marker = Symbol();
  const first = await Promise.race([
    child.status,
    new Promise((resolve) => setTimeout(() => resolve(marker), 50)),
  ]);
  return first === marker;
}

/** The samples of a scrape, by series name and labels as written. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(\S+?)(\{.*\})? (\S+)$/.exec(line);
    assert(match, `not a sample line: ${line}`);
    found.set(match[1] + (match[2] ?? ""), Number(match[3]));
  }
  return found;
}

async function scrape(port: number, path = "/metrics/prometheus"): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  assertEquals(response.status, 200);
  assertEquals(
    response.headers.get("content-type"),
    "text/plain; version=0.0.4; charset=utf-8",
  );
  return await response.text();
}

/** Data Prepper's series `<prefix>_<name>` in a scrape. */
function series(scraped: Map<string, number>, prefix: string, name: string): number {
  const value = scraped.get(`${prefix}_${name}${SERVICE}`);
  assert(value !== undefined, `no ${prefix}_${name} in the scrape`);
  return value;
}

/** Scrapes until `done` holds (60 s at most); a refused connection means not yet serving. */
async function scrapeUntil(
  port: number,
  done: (scraped: Map<string, number>) => boolean,
  what: string,
): Promise<Map<string, number>> {
  const deadline = Date.now() + 60_000;
  let last = "";
  while (Date.now() < deadline) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics/prometheus`)
      .then((response) => response.text()).catch(() => "");
    if (text) {
      last = text;
      const scraped = samples(text);
      if (done(scraped)) return scraped;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not happen in 60 s; last scrape:\n${last}`);
}

async function post(port: number, path: string): Promise<Response> {
  return await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST" });
}

/** Creates `index` on `node` with two shards and `count` documents. */
async function sourceIndex(node: NodeHandle, index: string, count: number): Promise<void> {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: 2, number_of_replicas: 0 },
    mappings: { properties: { n: { type: "integer" }, title: { type: "text" } } },
  });
  const lines = Array.from(
    { length: count },
    (_, i) =>
      `${JSON.stringify({ index: { _index: index, _id: `d${i}` } })}\n` +
      `${JSON.stringify({ n: i, title: `document ${i}` })}\n`,
  ).join("");
  await bulk(node.url, lines);
}

/** A pipeline named `name` reading the indices matching `regex` from `source` into `target`. */
function pipelineYaml(name: string, source: NodeHandle, target: NodeHandle, regex: string) {
  return `${name}:\n  workers: 2\n  delay: 0\n  source:\n    opensearch:\n` +
    `      hosts: ["${source.url}"]\n      disable_authentication: true\n` +
    `      indices:\n        include:\n          - index_name_regex: "${regex}"\n` +
    `      scheduling: {index_read_count: 1}\n      acknowledgments: true\n` +
    `  sink:\n    - opensearch:\n        hosts: ["${target.url}"]\n` +
    `        disable_authentication: true\n` +
    `        index: '\${getMetadata("opensearch-index")}'\n` +
    `        document_id: '\${getMetadata("opensearch-document_id")}'\n`;
}

Deno.test("run --engine native --metrics-port serves Data Prepper's series, and POST /shutdown ends it with 0", () =>
  inScene(["es7", "os2"], "dpiface", async ({ es7, os2, p, dir, spawn }) => {
    const port = 4931;
    await sourceIndex(es7, `${p}one`, 1000);
    await sourceIndex(es7, `${p}two`, 2000);
    const pipeline = `${dir}/pipeline.yaml`;
    await Deno.writeTextFile(pipeline, pipelineYaml("dp-iface", es7, os2, `${p}.*`));
    const child = spawn([
      "run",
      "--engine",
      "native",
      pipeline,
      "--journal",
      `${dir}/run.json`,
      "--metrics-port",
      String(port),
    ], { stdout: "piped", stderr: "piped" });
    const prefix = "dp_iface";
    // Done as a Data Prepper monitor sees it: every partition completed, and idle polls ticking.
    const after = await scrapeUntil(
      port,
      (s) => (s.get(`${prefix}_source_coordinator_noPartitionsAcquired_total${SERVICE}`) ?? 0) > 0,
      "the copy's end",
    );
    assertEquals(series(after, prefix, "opensearch_documentsSuccess_total"), 3000);
    assertEquals(series(after, prefix, "opensearch_documentsProcessed_total"), 3000);
    assertEquals(series(after, prefix, "opensearch_documentErrors_total"), 0);
    assertEquals(series(after, prefix, "opensearch_bulkRequestNumberOfRetries_total"), 0);
    assertEquals(series(after, prefix, "source_coordinator_partitionsCreatedCount_total"), 2);
    assertEquals(series(after, prefix, "source_coordinator_partitionsCompleted_total"), 2);
    assertEquals(series(after, prefix, "BlockingBuffer_recordsInFlight"), 0);
    assertEquals(series(after, prefix, "BlockingBuffer_recordsInBuffer"), 0);
    const own = (name: string) =>
      after.get(`${name}{pipeline="dp-iface",serviceName="dataprepper",}`);
    assertEquals(own("fetch_migration_documents_read_total"), 3000);
    assertEquals(own("fetch_migration_documents_written_total"), 3000);
    assertEquals(own("fetch_migration_dead_letters_total"), 0);
    assertEquals(own("fetch_migration_documents_copied"), 3000);
    assertEquals(own("fetch_migration_slices_done"), own("fetch_migration_slices"));
    assert((own("fetch_migration_bytes_read_total") ?? 0) > 3000 * 20);

    const text = await scrape(port);
    for (
      const [name, type] of [
        ["opensearch_documentsSuccess_total", "counter"],
        ["BlockingBuffer_recordsInFlight", "gauge"],
        ["source_coordinator_noPartitionsAcquired_total", "counter"],
      ]
    ) {
      assertStringIncludes(text, `# HELP ${prefix}_${name}  \n# TYPE ${prefix}_${name} ${type}\n`);
    }
    assertStringIncludes(text, `${prefix}_opensearch_documentsSuccess_total${SERVICE} 3000.0\n`);
    assertStringIncludes(
      await scrape(port, "/metrics/sys"),
      `${prefix}_opensearch_documentsSuccess_total${SERVICE} 3000.0\n`,
    );
    const first = series(samples(text), prefix, "source_coordinator_noPartitionsAcquired_total");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = series(
      samples(await scrape(port)),
      prefix,
      "source_coordinator_noPartitionsAcquired_total",
    );
    assert(later > first, `noPartitionsAcquired did not increase (${first} then ${later})`);

    const list = await fetch(`http://127.0.0.1:${port}/list`);
    assertEquals(JSON.parse(await list.text()), { pipelines: [{ name: "dp-iface" }] });
    const refused = await fetch(`http://127.0.0.1:${port}/shutdown`);
    assertEquals(refused.status, 405);
    await refused.body?.cancel();
    assert(await running(child), "the run exited by itself after the copy");
    assertEquals(await countOf(os2.url, `${p}one`), 1000);
    assertEquals(await countOf(os2.url, `${p}two`), 2000);

    const shutdown = await post(port, "/shutdown");
    assertEquals(shutdown.status, 200);
    await shutdown.body?.cancel();
    const output = await finished(child, 10);
    assertEquals(output.code, 0, output.stderr);
    assertStringIncludes(
      output.stderr,
      `Data Prepper's metrics at http://127.0.0.1:${port}/metrics/prometheus`,
    );
    assertStringIncludes(output.stderr, "3,000 of 3,000 documents on the target");
  }));

Deno.test("POST /shutdown in the middle of a copy exits 1, resumable; the same command finishes it", () =>
  inScene(["es7", "os2"], "dpiface", async ({ es7, os2, p, dir, spawn }) => {
    const port = 4932;
    await sourceIndex(es7, `${p}slow`, 3000);
    const args = nativeRunArgs(
      { source: es7, target: os2, include: `${p}*`, journal: `${dir}/run.json` },
      [
        ...["--page-size", "100", "--max-docs-per-second", "300"],
        ...["--metrics-port", String(port), "--exit-when-done"],
      ],
    );
    const child = spawn(args, { stdout: "piped", stderr: "piped" });
    const prefix = "fetch_migration";
    const during = await scrapeUntil(
      port,
      (s) => (s.get(`${prefix}_opensearch_documentsSuccess_total${SERVICE}`) ?? 0) >= 300,
      "300 documents copied",
    );
    assert(series(during, prefix, "opensearch_documentsSuccess_total") < 3000);
    assertEquals(series(during, prefix, "source_coordinator_partitionsCompleted_total"), 0);
    const shutdown = await post(port, "/shutdown");
    assertEquals(shutdown.status, 200);
    await shutdown.body?.cancel();
    const stopped = await finished(child, 20);
    assertEquals(stopped.code, 1, stopped.stderr);
    assertStringIncludes(stopped.stderr, "stopping (POST /shutdown)");
    assertStringIncludes(stopped.stderr, "interrupted");
    assertStringIncludes(stopped.stderr, "run the same command again");
    const partial = await countOf(os2.url, `${p}slow`);
    assert(partial < 3000, `the stopped run copied everything (${partial})`);

    const again = await runCli([...args, "--json"]);
    assertEquals(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout);
    assertEquals(result.resumed, true);
    assertEquals(result.counts, [{ index: `${p}slow`, source_count: 3000, target_count: 3000 }]);
    assertEquals(await countOf(os2.url, `${p}slow`), 3000);
  }));

Deno.test("a pipeline file of two pipelines runs both, each with its own journal and series", () =>
  inScene(["es7", "os2"], "dpiface", async ({ es7, os2, p, dir, spawn }) => {
    const port = 4933;
    await sourceIndex(es7, `${p}a1`, 500);
    await sourceIndex(es7, `${p}b1`, 700);
    await sourceIndex(es7, `${p}b2`, 300);
    const pipeline = `${dir}/pipelines.yaml`;
    await Deno.writeTextFile(
      pipeline,
      'version: "2"\n' + pipelineYaml("first-pipe", es7, os2, `${p}a.*`) +
        pipelineYaml("second-pipe", es7, os2, `${p}b.*`),
    );
    const child = spawn(["run", pipeline, "--metrics-port", String(port)], {
      stdout: "piped",
      stderr: "piped",
    });
    const idle = (s: Map<string, number>, prefix: string) =>
      (s.get(`${prefix}_source_coordinator_noPartitionsAcquired_total${SERVICE}`) ?? 0) > 0;
    const after = await scrapeUntil(
      port,
      (s) => idle(s, "first_pipe") && idle(s, "second_pipe"),
      "both pipelines' end",
    );
    assertEquals(series(after, "first_pipe", "opensearch_documentsSuccess_total"), 500);
    assertEquals(series(after, "first_pipe", "source_coordinator_partitionsCompleted_total"), 1);
    assertEquals(series(after, "second_pipe", "opensearch_documentsSuccess_total"), 1000);
    assertEquals(
      series(after, "second_pipe", "source_coordinator_partitionsCreatedCount_total"),
      2,
    );
    assertEquals(series(after, "second_pipe", "source_coordinator_partitionsCompleted_total"), 2);
    assertEquals(
      after.get(
        'fetch_migration_documents_copied{pipeline="second-pipe",serviceName="dataprepper",}',
      ),
      1000,
    );
    const list = await fetch(`http://127.0.0.1:${port}/list`);
    assertEquals(JSON.parse(await list.text()), {
      pipelines: [{ name: "first-pipe" }, { name: "second-pipe" }],
    });
    const shutdown = await post(port, "/shutdown");
    await shutdown.body?.cancel();
    const output = await finished(child, 10);
    assertEquals(output.code, 0, output.stderr);
    assertEquals(await countOf(os2.url, `${p}a1`), 500);
    assertEquals(await countOf(os2.url, `${p}b1`), 700);
    assertEquals(await countOf(os2.url, `${p}b2`), 300);
    // Each pipeline says its lines, and keeps its own journal in the state directory.
    assertMatch(output.stderr, /\[first-pipe\] 500 of 500 documents on the target/);
    assertMatch(output.stderr, /\[second-pipe\] 1,000 of 1,000 documents on the target/);
    const journals = output.stderr.match(/\[[a-z-]+\] journal: (\S+)/g) ?? [];
    assertEquals(journals.length, 2, output.stderr);
    assert(journals.some((line) => line.endsWith("-first-pipe.json")), journals.join("\n"));
    assert(journals.some((line) => line.endsWith("-second-pipe.json")), journals.join("\n"));
    assert(journals.every((line) => line.includes(TEST_STATE_HOME)), journals.join("\n"));
  }));

Deno.test("--exit-when-done exits by itself with 0; a port in use is refused before anything", () =>
  inScene(["es7", "os2"], "dpiface", async ({ es7, os2, p, dir }) => {
    await sourceIndex(es7, `${p}quick`, 200);
    const args = nativeRunArgs({
      source: es7,
      target: os2,
      include: `${p}*`,
      journal: `${dir}/run.json`,
      engine: false,
    });
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 4935 });
    try {
      const refused = await runCli([...args, "--metrics-port", "4935"]);
      assertEquals(refused.code, 2, refused.stderr);
      assertStringIncludes(refused.stderr, "cannot serve on 127.0.0.1:4935");
    } finally {
      busy.close();
    }
    const run = await runCli([...args, "--metrics-port", "4934", "--exit-when-done"]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(
      run.stderr,
      "status page at http://127.0.0.1:4934/ (JSON at http://127.0.0.1:4934/status.json); " +
        "Data Prepper's metrics at http://127.0.0.1:4934/metrics/prometheus",
    );
    assert(!run.stderr.includes("serving the final"), run.stderr);
    assertEquals(await countOf(os2.url, `${p}quick`), 200);
    const gone = await fetch("http://127.0.0.1:4934/list").then(() => "served", () => "gone");
    assertEquals(gone, "gone");
  }));
