/**
 * What an operator notices at the edges of the commands, against real nodes: `metadata` checks
 * where it will write before it changes the target, `rollback` shows what it will delete and
 * does nothing twice, URLs are taken as written and bad ones get the right hint, `verify` keeps
 * stdout for JSON and fails when it verified nothing, `-q` hides summaries.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  addDocuments,
  assertNoStackTrace,
  call,
  cliCommandLine,
  cliEnvironment,
  endpoints,
  ensureNodes,
  inScene,
  type NodeHandle,
  pipelineYaml,
  runCli,
  runPrefix,
} from "./scene.ts";

const SMALL = { number_of_shards: 1, number_of_replicas: 0 };

/** Names of the target's indices starting with `prefix`. */
async function indicesWithPrefix(url: string, prefix: string): Promise<string[]> {
  const response = await fetch(`${url}/_cat/indices/${prefix}*?format=json&h=index`);
  const rows = await response.json() as Array<{ index: string }>;
  return rows.map((row) => row.index).sort();
}

async function status(url: string): Promise<number> {
  const response = await fetch(url);
  await response.body?.cancel();
  return response.status;
}

/**
 * Indices `<p>a` (3 documents) and `<p>b` (empty) on es7, and in `dir` a Data Prepper pipeline
 * from es7 to os2, as the original tool took it.
 */
async function prepare(es7: NodeHandle, os2: NodeHandle, p: string, dir: string): Promise<string> {
  for (const name of ["a", "b"]) await call(`${es7.url}/${p}${name}`, "PUT", { settings: SMALL });
  await addDocuments(es7.url, `${p}a`, 3);
  const pipeline = `${dir}/pipeline.yaml`;
  await Deno.writeTextFile(
    pipeline,
    pipelineYaml({
      name: "polish-migration",
      source: es7,
      sourceSettings: { disable_authentication: true },
      target: os2,
      sinkSettings: { disable_authentication: true },
    }),
  );
  return pipeline;
}

/** `metadata` creates the indices of prefix `p` on the target, recording them in `journal`. */
async function createOnTarget(pipeline: string, p: string, journal: string): Promise<void> {
  const created = await runCli(["metadata", pipeline, "--include", `${p}*`, "--journal", journal]);
  assertEquals(created.code, 0, created.stderr);
}

Deno.test("metadata refuses an output in a missing directory before creating anything", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p, dir }) => {
    const pipeline = await prepare(es7, os2, p, dir);
    const output = `${dir}/no-such-dir/deeper/out.yaml`;
    const run = await runCli(["metadata", pipeline, output, "--include", `${p}*`]);
    assertEquals(run.code, 2, run.stderr);
    assertStringIncludes(run.stderr, output);
    assertStringIncludes(run.stderr, "does not exist");
    assertNoStackTrace(run.stderr);
    assertEquals(await indicesWithPrefix(os2.url, p), [], "the target was changed");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["pipeline.yaml"]);

    // A directory given as the output is refused the same way.
    const directory = await runCli(["metadata", pipeline, dir, "--include", `${p}*`]);
    assertEquals(directory.code, 2, directory.stderr);
    assertStringIncludes(directory.stderr, `${dir} is a directory`);
    assertEquals(await indicesWithPrefix(os2.url, p), []);

    // So is a node that is no regular file: it must be left as it is, not replaced by a file
    // (a pipe here; /dev/null is the one an operator would hit).
    const fifo = `${dir}/pipe`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assertEquals(made.code, 0, new TextDecoder().decode(made.stderr));
    const special = await runCli(["metadata", pipeline, fifo, "--include", `${p}*`]);
    assertEquals(special.code, 2, special.stderr);
    assertStringIncludes(special.stderr, `${fifo} is not a regular file`);
    assert((await Deno.lstat(fifo)).isFifo, "the pipe was replaced");
    assertEquals(await indicesWithPrefix(os2.url, p), []);
  }));

Deno.test("metadata refuses output = input", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p, dir }) => {
    const pipeline = await prepare(es7, os2, p, dir);
    const before = await Deno.readTextFile(pipeline);
    await Deno.mkdir(`${dir}/sub`);
    // The same file under another spelling is still the same file.
    for (const output of ["pipeline.yaml", "./sub/../pipeline.yaml", pipeline]) {
      const run = await runCli(["metadata", "pipeline.yaml", output, "--include", `${p}*`], {
        cwd: dir,
      });
      assertEquals(run.code, 2, run.stderr);
      assertStringIncludes(run.stderr, output);
      assertStringIncludes(run.stderr, "is the input pipeline");
      assertNoStackTrace(run.stderr);
    }
    assertEquals(await Deno.readTextFile(pipeline), before, "the input was overwritten");
    assertEquals(await indicesWithPrefix(os2.url, p), [], "the target was changed");
  }));

Deno.test("metadata writes its output with mode 0600 and says how many indices it holds", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p, dir }) => {
    const pipeline = await prepare(es7, os2, p, dir);
    const run = await runCli([
      "metadata",
      pipeline,
      `${dir}/out.yaml`,
      "--include",
      `${p}*`,
      "--journal",
      `${dir}/journal.json`,
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "2 indices to migrate (2 to create), 3 documents");
    assertStringIncludes(run.stderr, `wrote ${dir}/out.yaml including 2 indices`);
    assertEquals((await Deno.stat(`${dir}/out.yaml`)).mode! & 0o777, 0o600);
    assertStringIncludes(await Deno.readTextFile(`${dir}/out.yaml`), `index_name_regex: ${p}a`);
    // No temporary file is left beside it.
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["journal.json", "out.yaml", "pipeline.yaml"],
    );
  }));

Deno.test("rollback --dryrun lists what it would delete, with document counts, and deletes nothing", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p, dir }) => {
    const pipeline = await prepare(es7, os2, p, dir);
    const journal = `${dir}/journal.json`;
    await createOnTarget(pipeline, p, journal);
    // Documents written on the target since: the list must warn that they go too.
    await addDocuments(os2.url, `${p}a`, 5);
    const journalBefore = await Deno.readTextFile(journal);

    const dry = await runCli(["rollback", "--journal", journal, "--target", os2.url, "--dryrun"]);
    assertEquals(dry.code, 0, dry.stderr);
    assertMatch(dry.stderr, new RegExp(`index\\s+${p}a\\s+5 documents`));
    assertMatch(dry.stderr, new RegExp(`index\\s+${p}b\\s+0 documents`));
    assertStringIncludes(dry.stderr, "dry run: would delete 2 indices");
    assertEquals(dry.stdout, "");
    assertEquals(await indicesWithPrefix(os2.url, p), [`${p}a`, `${p}b`]);
    assertEquals(await Deno.readTextFile(journal), journalBefore, "a dry run changed the journal");

    const json = await runCli([
      "rollback",
      "--journal",
      journal,
      "--target",
      os2.url,
      "--dryrun",
      "--json",
    ]);
    assertEquals(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout);
    assertEquals(listed.dry_run, true);
    assertEquals(listed.to_delete, [
      { kind: "index", name: `${p}b`, document_count: 0 },
      { kind: "index", name: `${p}a`, document_count: 5 },
    ]);
    assertEquals(listed.deleted, []);
    assertEquals(await indicesWithPrefix(os2.url, p), [`${p}a`, `${p}b`]);
  }));

Deno.test("a second rollback of the same journal says already rolled back and deletes nothing", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p, dir }) => {
    const pipeline = await prepare(es7, os2, p, dir);
    const journal = `${dir}/journal.json`;
    await createOnTarget(pipeline, p, journal);
    // Without a terminal and without --yes it proceeds, as scripts expect.
    const first = await runCli(["rollback", "--journal", journal, "--target", os2.url]);
    assertEquals(first.code, 0, first.stderr);
    assertStringIncludes(first.stderr, "rolled back 2");
    assertEquals(await indicesWithPrefix(os2.url, p), []);

    // Someone creates an index of that name again: a replayed rollback must not touch it.
    await call(`${os2.url}/${p}a`, "PUT", { settings: SMALL });
    const second = await runCli(["rollback", "--journal", journal, "--target", os2.url]);
    assertEquals(second.code, 0, second.stderr);
    assertStringIncludes(second.stderr, "already rolled back");
    assertEquals(await status(`${os2.url}/${p}a`), 200);

    const json = await runCli(["rollback", "--journal", journal, "--target", os2.url, "--json"]);
    assertEquals(json.code, 0, json.stderr);
    assertEquals(JSON.parse(json.stdout).already_rolled_back, true);
    assertEquals(await status(`${os2.url}/${p}a`), 200);
  }));

/**
 * Runs the CLI under `script`, which gives it a pseudo-terminal as stdin (util-linux's `script`
 * is on every machine of this kind); `input` is typed into it. Returns the exit code and all the
 * terminal showed.
 */
async function runOnTerminal(
  args: string[],
  input: string,
): Promise<{ code: number; shown: string }> {
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  const command = cliCommandLine(args).map(quote).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    clearEnv: true,
    env: cliEnvironment(),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    shown: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

Deno.test("rollback on a terminal asks first: n deletes nothing, y deletes", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p, dir }) => {
    const pipeline = await prepare(es7, os2, p, dir);
    const journal = `${dir}/journal.json`;
    await createOnTarget(pipeline, p, journal);
    const args = ["rollback", "--journal", journal, "--target", os2.url];

    const no = await runOnTerminal(args, "n\n");
    assertEquals(no.code, 1, no.shown);
    assertStringIncludes(no.shown, `index  ${p}a`);
    assertStringIncludes(no.shown, `delete these 2 on ${os2.url}? [y/N]`);
    assertStringIncludes(no.shown, "rollback cancelled: nothing was deleted");
    assertEquals(await indicesWithPrefix(os2.url, p), [`${p}a`, `${p}b`]);

    const yes = await runOnTerminal(args, "y\n");
    assertEquals(yes.code, 0, yes.shown);
    assertStringIncludes(yes.shown, "rolled back 2");
    assertEquals(await indicesWithPrefix(os2.url, p), []);

    // --yes: no question, even on a terminal.
    const again = `${dir}/again.json`;
    await createOnTarget(pipeline, p, again);
    const sure = await runOnTerminal(
      ["rollback", "--journal", again, "--target", os2.url, "--yes"],
      "",
    );
    assertEquals(sure.code, 0, sure.shown);
    assert(!sure.shown.includes("[y/N]"), sure.shown);
    assertEquals(await indicesWithPrefix(os2.url, p), []);
  }));

Deno.test("rollback needs only the target: without one it names --target and the pipeline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const journal = `${dir}/journal.json`;
    await Deno.writeTextFile(
      journal,
      JSON.stringify({
        version: 1,
        runId: "r",
        target: "http://127.0.0.1:19302",
        startedAt: new Date().toISOString(),
        status: "completed",
        entries: [],
      }),
    );
    const run = await runCli(["rollback", "--journal", journal]);
    assertEquals(run.code, 2, run.stderr);
    assertStringIncludes(run.stderr, "--target");
    assertStringIncludes(run.stderr, "--pipeline");
    assert(!run.stderr.includes("--source"), run.stderr);
    const help = await runCli(["rollback", "--help"]);
    assertStringIncludes(help.stdout, "--yes");
    assertStringIncludes(help.stdout, "--dryrun");
    assertMatch(help.stdout, /without\s+a\s+terminal/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("INLINE_TARGET_HOST=http://... is used as given, not turned into https", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const run = await runCli(["info", "--source", es7.url, "--target", "http://unused:1", "--json"], {
    env: { INLINE_TARGET_HOST: os2.url },
  });
  assertEquals(run.code, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  assertEquals(info.target.url, os2.url);
  // Keys in snake_case, as in every other command's JSON.
  assertEquals(info.target.cluster_name, "fm-os2");
  assertEquals(typeof info.target.system_index_count, "number");
  assertEquals(Object.keys(info.source).filter((key) => /[A-Z]/.test(key)), []);
});

Deno.test("a URL without a scheme is refused with both http:// and https:// shown", async () => {
  const run = await runCli(["info", "--source", "127.0.0.1:19207", "--target", "127.0.0.1:19302"]);
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, "scheme");
  assertStringIncludes(run.stderr, "http://127.0.0.1:19207");
  assertStringIncludes(run.stderr, "https://127.0.0.1:19207");
});

Deno.test("a cluster URL with a path: the 404 says to give the root URL", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const run = await runCli(["info", "--source", es7.url, "--target", `${os2.url}/foo`]);
  assertEquals(run.code, 3, run.stderr);
  assertStringIncludes(run.stderr, `${os2.url}/foo has a path (/foo)`);
  assertStringIncludes(run.stderr, `give the cluster's root URL, e.g. ${os2.url}`);
  assertNoStackTrace(run.stderr);
});

Deno.test("verify --json: stdout holds the JSON alone, the table goes to stderr; -q hides the summary", () =>
  inScene(["es7", "os2"], "polish", async ({ es7, os2, p }) => {
    // A CJK name: its row must line up with the others by display width.
    const names = [`${p}索引-テスト`, `${p}plain`];
    for (const url of [es7.url, os2.url]) {
      for (const name of names) {
        await call(`${url}/${encodeURIComponent(name)}`, "PUT", {
          settings: SMALL,
          mappings: { properties: { title: { type: "text" }, n: { type: "long" } } },
        });
        await addDocuments(url, encodeURIComponent(name), 4);
      }
    }
    const args = endpoints(es7, os2, `${p}*`);
    const run = await runCli(["verify", ...args, "--json"]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout.trimStart()[0], "{");
    const report = JSON.parse(run.stdout);
    assertEquals(report.status, "succeeded");
    assertEquals(report.indices.length, 2);
    assertStringIncludes(run.stderr, "verification passed: 2 indices match");
    assert(!run.stdout.includes("verification passed"));
    // Both rows' count columns end at the same display column.
    const rows = run.stderr.split("\n").filter((line) => line.startsWith(p));
    assertEquals(rows.length, 2);
    const ends = rows.map((row) => displayColumnOf(row, " ok"));
    assertEquals(ends[0], ends[1], rows.join("\n"));

    const quiet = await runCli(["-q", "verify", ...args]);
    assertEquals(quiet.code, 0, quiet.stderr);
    assertEquals(quiet.stderr, "");
  }));

/** Display column (CJK characters are two wide) where `needle` starts in `line`. */
function displayColumnOf(line: string, needle: string): number {
  const before = line.slice(0, line.indexOf(needle));
  let width = 0;
  for (const char of before) width += /[\u3000-\u9fff\uff00-\uffef]/.test(char) ? 2 : 1;
  return width;
}

Deno.test("verify with nothing to verify fails and names the selection; errors survive -q", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const p = runPrefix("polish");
  const glob = `${p}nothing-*`;
  const run = await runCli(["-q", "verify", ...endpoints(es7, os2, glob), "--json"]);
  assertEquals(run.code, 1, run.stderr);
  assertStringIncludes(run.stderr, "nothing verified");
  assertStringIncludes(run.stderr, `--include ${glob}`);
  assertEquals(JSON.parse(run.stdout).status, "failed");
});
