/**
 * What `run` and `verify` say as they go and at their end, without a terminal (es7 → os2): the
 * first progress line has counts only (no "0 docs/s ETA ?"), a continued run's header says what
 * is left and what was written before, each command ends with its verdict in words (`run
 * --verify` with the verification's), `-q` leaves the verdict out, and `verify` prints no
 * progress line before its table. Index names start with `hx-` (the nodes are shared).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  bulk,
  call,
  cleanUp,
  endpoints,
  ensureNodes,
  finished,
  nativeRunArgs,
  type NodeHandle,
  runCli,
  spawnCli,
  waitForCopied,
} from "./scene.ts";

function prefix(label: string): string {
  return `hx-${label}-${Date.now().toString(36)}-`;
}

/** Creates `index` with one shard and `count` small documents. */
async function loadIndex(node: NodeHandle, index: string, count: number): Promise<void> {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: 1, number_of_replicas: 0 },
  });
  for (let first = 0; first < count; first += 5000) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(count, first + 5000); i++) {
      lines.push(JSON.stringify({ index: { _index: index, _id: `d${i}` } }));
      lines.push(JSON.stringify({ n: i, pad: "x".repeat(200) }));
    }
    await bulk(node.url, lines.join("\n") + "\n");
  }
}

/** The last line of a command's stderr. */
function lastLine(stderr: string): string {
  return stderr.trimEnd().split("\n").at(-1) ?? "";
}

Deno.test("run --verify: a first progress line without rate, then the verdict with the verification's; -q leaves it out", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = prefix("verdict");
  const journal = `${await Deno.makeTempDir()}/journal.json`;
  try {
    await loadIndex(es7, `${p}a`, 3000);
    const run = await runCli(
      nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal }, ["--verify"]),
    );
    assertEquals(run.code, 0, run.stderr);
    const progress = run.stderr.split("\n").filter((line) => line.startsWith("progress:"));
    assert(progress.length > 0, run.stderr);
    assert(!/ 0 docs\/s|ETA \?/.test(progress[0]), run.stderr);
    assertEquals(
      lastLine(run.stderr),
      "verdict: migrated 1 index, 3,000 documents; all arrived; verified: every document of 1 " +
        "index matches",
    );
    const quiet = await runCli([
      "-q",
      ...nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal: `${journal}.2` }),
    ]);
    assertEquals(quiet.code, 0, quiet.stderr);
    assert(!quiet.stderr.includes("verdict:"), quiet.stderr);
  } finally {
    await cleanUp([es7.url, os2.url], p);
  }
});

Deno.test("a continued run's header says the documents left and those already written", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = prefix("resume");
  const journal = `${await Deno.makeTempDir()}/journal.json`;
  const command = nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal });
  try {
    await loadIndex(es7, `${p}a`, 8000);
    const child = spawnCli([...command, "--max-docs-per-second", "500"], { stderr: "piped" });
    // A run that ends before it copied that much fails here with its own output.
    const early = await Promise.race([
      waitForCopied(journal, 1000).then(() => undefined),
      child.status.then(() => "exited"),
    ]);
    if (early) assert(false, `the run ended early:\n${(await finished(child)).stderr}`);
    child.kill("SIGINT");
    const stopped = await finished(child, 30);
    assertEquals(stopped.code, 1, stopped.stderr);
    assertMatch(
      stopped.stderr,
      /FAILED: stopped before the end: [\d,]+ of 8,000 documents written; the same command continues/,
    );
    const resumed = await runCli(command);
    assertEquals(resumed.code, 0, resumed.stderr);
    const header = resumed.stderr.split("\n").find((line) => line.startsWith("continuing run"));
    assert(header, resumed.stderr);
    const [, left, expected, done] = header.match(
      /: ([\d,]+) documents? left of ([\d,]+) in 1 index; already done: ([\d,]+) documents written \(per the journal's checkpoints\)/,
    ) ?? [];
    assert(left !== undefined, header);
    const number = (text: string) => Number(text.replaceAll(",", ""));
    assertEquals(number(expected), 8000);
    assert(number(done) >= 1000 && number(done) < 8000, header);
    assertEquals(number(left), 8000 - number(done));
    // The plan's whole count is not given as if nothing had been copied.
    assert(!resumed.stderr.includes("migrating 1 index"), resumed.stderr);
    assertEquals(
      lastLine(resumed.stderr),
      "verdict: migrated 1 index, 8,000 documents; all arrived",
    );
  } finally {
    await cleanUp([es7.url, os2.url], p);
  }
});

Deno.test("verify without a terminal: no progress line before the table, which ends with the verdict", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = prefix("verify");
  try {
    await loadIndex(es7, `${p}a`, 2000);
    await loadIndex(os2, `${p}a`, 2000);
    const run = await runCli(["verify", ...endpoints(es7, os2, `${p}*`), "--checksums"]);
    assertEquals(run.code, 0, run.stderr);
    assertMatch(run.stderr, /^verify http:/);
    assert(!run.stderr.includes("documents hashed"), run.stderr);
    assertStringIncludes(lastLine(run.stderr), "verification passed: 1 index match");
  } finally {
    await cleanUp([es7.url, os2.url], p);
  }
});
