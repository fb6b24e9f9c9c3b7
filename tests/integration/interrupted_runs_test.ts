/**
 * Interrupted and repeated runs (issue 19), OpenSearch 2.19 -> 3.6 with 300 indices and 40 legacy
 * templates: Ctrl-C (SIGINT) while they are created stops within seconds, saying the journal and
 * the commands; the same command continues in the same journal; `rollback` with the pair's
 * endpoints and no `--journal` then leaves the target as it was. The same after kill -9. A no-op
 * re-run keeps the finished journal, so a rollback by the path it prints undoes the first run.
 * Empty patterns and a selection the excludes empty are refused; what `--skip-unmigratable`
 * leaves alone is named. Each command runs with a state directory of its own (the default
 * journal is the pair's there).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  addDocuments,
  call,
  type CliOptions,
  finished,
  inScene,
  type NodeHandle,
  pipelineYaml,
  readJournal,
  runCli,
  spawnCli,
  waitForJournal,
} from "./scene.ts";
import { runJournalPath } from "../../src/journal/run-journal.ts";

const INDICES = 300;
const TEMPLATES = 40;

/** 300 empty indices and 40 legacy templates of prefix `p` on `node`, made 8 at a time. */
async function manyIndices(node: NodeHandle, p: string): Promise<void> {
  const names = Array.from({ length: INDICES }, (_, i) => `${p}i${String(i).padStart(3, "0")}`);
  for (let at = 0; at < names.length; at += 8) {
    await Promise.all(
      names.slice(at, at + 8).map((name) =>
        call(`${node.url}/${name}`, "PUT", {
          settings: { number_of_shards: 1, number_of_replicas: 0 },
        })
      ),
    );
  }
  for (let t = 0; t < TEMPLATES; t++) {
    await call(`${node.url}/_template/${p}t${t}`, "PUT", {
      index_patterns: [`${p}i${String(t).padStart(3, "0")}`],
      order: 5,
      settings: { number_of_shards: 1 },
    });
  }
}

/** What of prefix `p` the target holds: indices and legacy templates, by name. */
async function onTarget(target: NodeHandle, p: string): Promise<string[]> {
  const indices = await call(
    `${target.url}/_cat/indices/${p}*?format=json&h=index`,
    "GET",
  ) as unknown as Array<{ index: string }>;
  const templates = await fetch(`${target.url}/_template/${p}*`).then((r) => r.json());
  return [...indices.map((row) => row.index), ...Object.keys(templates)].sort();
}

/** Journal entries recorded as created. */
function createdEntries(journal: Record<string, unknown>): number {
  return (journal.entries as Array<{ status: string }>).filter((e) => e.status === "created")
    .length;
}

/** The run, rollback and plan commands of the pair, each with `state` as the state directory. */
function commands(source: NodeHandle, target: NodeHandle, p: string, state: string) {
  const pair = ["--source", source.url, "--target", target.url, "--include", `${p}*`];
  const options: CliOptions = { env: { XDG_STATE_HOME: state } };
  return {
    pair,
    options,
    run: ["run", "--engine", "native", ...pair],
    rollback: ["rollback", "--source", source.url, "--target", target.url, "--yes"],
    journalOf: (stderr: string) => stderr.match(/journal: (\S+\.json)/)?.[1],
  };
}

/**
 * Stops a run part way through creating (`signal`), then: the same command finishes it in the
 * same journal, and `rollback` without `--journal` leaves the target as before.
 */
async function stoppedWhileCreating(
  source: NodeHandle,
  target: NodeHandle,
  p: string,
  dir: string,
  signal: "SIGINT" | "SIGKILL",
  /** Creations recorded before the signal (the 40 templates go first, then the indices). */
  after: number,
) {
  await manyIndices(source, p);
  const before = await onTarget(target, p);
  const state = `${dir}/state`;
  const { run, rollback, options, journalOf } = commands(source, target, p, state);
  const child = spawnCli(run, { ...options, stderr: "piped" });
  const journalPath = runJournalPath(source.url, target.url, `${state}/fetch-migration`);
  await waitForJournal(
    journalPath,
    `${after} creations`,
    (journal) => createdEntries(journal) >= after,
  );
  const stoppedAt = performance.now();
  child.kill(signal);
  const stopped = await finished(child, 60);
  const seconds = (performance.now() - stoppedAt) / 1000;
  const made = createdEntries((await readJournal(journalPath))!);
  console.log(
    `${signal} after ${after} creations: exited in ${seconds.toFixed(2)} s, ${made} created`,
  );
  assert(made < INDICES + TEMPLATES, "stopped before the end of the creations");
  if (signal === "SIGINT") {
    assertEquals(stopped.code, 1, stopped.stderr);
    assert(seconds < 2, `Ctrl-C honoured within 2 s (took ${seconds.toFixed(2)} s)`);
    assertStringIncludes(stopped.stderr, journalPath);
    assertStringIncludes(stopped.stderr, "run the same command again");
    assertStringIncludes(stopped.stderr, "fetch-migration rollback --journal");
  }

  const again = await runCli(run, options);
  assertEquals(again.code, 0, again.stderr);
  assertEquals(journalOf(again.stderr), journalPath, "continued in the same journal");
  assertStringIncludes(again.stderr, "continuing the run of");
  // Sent by the killed run, made by the target after it died: recorded as sent (pending), and
  // undone by the rollback like the rest.
  const entries = (await readJournal(journalPath))!.entries as Array<{ status: string }>;
  assertEquals(
    entries.filter((entry) => entry.status === "created" || entry.status === "pending").length,
    INDICES + TEMPLATES,
    "every creation in one journal",
  );

  const undone = await runCli(rollback, options);
  assertEquals(undone.code, 0, undone.stderr);
  assertEquals(await onTarget(target, p), before, "the target as before the first run");
}

for (const after of [10, 120, 300]) {
  Deno.test(`Ctrl-C after ${after} of 340 creations: stops within 2 s naming the journal; the same command continues it; rollback without --journal undoes everything`, () =>
    inScene(
      ["os2", "os3"],
      "ctrlc",
      ({ os2, os3, p, dir }) => stoppedWhileCreating(os2, os3, p, dir, "SIGINT", after),
    ));
}

Deno.test("kill -9 while 340 creations are sent: the same command continues the journal; rollback without --journal undoes everything", () =>
  inScene(
    ["os2", "os3"],
    "kill9create",
    ({ os2, os3, p, dir }) => stoppedWhileCreating(os2, os3, p, dir, "SIGKILL", 40),
  ));

Deno.test("a no-op re-run keeps the finished journal: rollback by the path it prints undoes the first run", () =>
  inScene(["os2", "os3"], "noop", async ({ os2, os3, p, dir }) => {
    for (const name of ["a", "b"]) await addDocuments(os2.url, `${p}${name}`, 5);
    const { run, options, journalOf } = commands(os2, os3, p, `${dir}/state`);
    const first = await runCli(run, options);
    assertEquals(first.code, 0, first.stderr);
    const again = await runCli(run, options);
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "nothing to create or copy");
    const printed = journalOf(again.stderr) ?? again.stderr.match(/; (\S+\.json) stays/)?.[1];
    assertEquals(printed, journalOf(first.stderr), "the same journal, kept");
    const undone = await runCli(["rollback", "--journal", printed!, "--target", os3.url, "--yes"]);
    assertEquals(undone.code, 0, undone.stderr);
    assertEquals(await onTarget(os3, p), [], "the first run's indices are gone");
  }));

Deno.test("an empty --include or an --exclude that leaves nothing: exit 2 with the reason, nothing changed", () =>
  inScene(["os2", "os3"], "empty", async ({ os2, os3, p, dir }) => {
    await addDocuments(os2.url, `${p}a`, 1);
    const { options } = commands(os2, os3, p, `${dir}/state`);
    const base = ["run", "--engine", "native", "--source", os2.url, "--target", os3.url];
    for (
      const [args, reason] of [
        [[...base, "--include", ""], /empty pattern/],
        [[...base, "--include", `${p}a,`], /empty pattern/],
        [[...base, "--include", `${p}*`, "--exclude", `${p}*`], /the selection is empty/],
      ] as const
    ) {
      const refused = await runCli([...args], options);
      assertEquals(refused.code, 2, refused.stderr);
      assertMatch(refused.stderr, reason);
    }
    const pipeline = `${dir}/pipeline.yaml`;
    await Deno.writeTextFile(pipeline, pipelineYaml({ source: os2, target: os3, regex: "" }));
    const blank = await runCli(["run", "--engine", "native", pipeline], options);
    assertEquals(blank.code, 2, blank.stderr);
    assertMatch(blank.stderr, /index_name_regex` is empty/);
    assertEquals(await onTarget(os3, p), []);
  }));

Deno.test("--skip-unmigratable: what it leaves alone is named in the summary and the JSON", () =>
  inScene(["os2", "os3"], "skipped", async ({ os2, os3, p, dir }) => {
    await addDocuments(os2.url, `${p}open`, 3);
    await addDocuments(os2.url, `${p}closed`, 1);
    await call(`${os2.url}/${p}closed/_close`, "POST");
    const { run, options } = commands(os2, os3, p, `${dir}/state`);
    const result = await runCli([...run, "--skip-unmigratable", "--json"], options);
    assertEquals(result.code, 0, result.stderr);
    assertMatch(result.stderr, new RegExp(`left alone on request .*${p}closed \\(closed`));
    const json = JSON.parse(result.stdout);
    assertEquals(json.skipped.map((s: { name: string }) => s.name), [`${p}closed`]);
    // metadata, which creates what it can, names what it leaves alone too.
    await runCli(["rollback", "--source", os2.url, "--target", os3.url, "--yes"], options);
    const metadata = await runCli(
      ["metadata", "--source", os2.url, "--target", os3.url, "--include", `${p}*`, "--json"],
      options,
    );
    assertMatch(metadata.stderr, new RegExp(`left alone: ${p}closed \\(closed`));
    assertEquals(
      JSON.parse(metadata.stdout).left_alone.map((s: { name: string }) => s.name),
      [`${p}closed`],
    );
  }));

Deno.test("Ctrl-C during metadata: the journal and both commands named; run continues that journal; rollback without --journal undoes both", () =>
  inScene(["os2", "os3"], "mdctrlc", async ({ os2, os3, p, dir }) => {
    await manyIndices(os2, p);
    const state = `${dir}/state`;
    const { pair, run, rollback, options, journalOf } = commands(os2, os3, p, state);
    const journalPath = runJournalPath(os2.url, os3.url, `${state}/fetch-migration`);
    const child = spawnCli(["metadata", ...pair], { ...options, stderr: "piped" });
    await waitForJournal(journalPath, "40 creations", (journal) => createdEntries(journal) >= 40);
    child.kill("SIGINT");
    const stopped = await finished(child, 60);
    assertEquals(stopped.code, 1, stopped.stderr);
    assertStringIncludes(stopped.stderr, `interrupted while creating`);
    assertStringIncludes(stopped.stderr, journalPath);
    assertStringIncludes(stopped.stderr, "fetch-migration rollback --journal");
    const continued = await runCli(run, options);
    assertEquals(continued.code, 0, continued.stderr);
    assertEquals(journalOf(continued.stderr), journalPath, "run continued the metadata journal");
    const undone = await runCli(rollback, options);
    assertEquals(undone.code, 0, undone.stderr);
    assertEquals(await onTarget(os3, p), []);
  }));

Deno.test("rollback --list shows the pair's runs, newest first; --all undoes every one", () =>
  inScene(["os2", "os3"], "rball", async ({ os2, os3, p, dir }) => {
    for (const name of ["a", "b"]) await addDocuments(os2.url, `${p}${name}`, 2);
    const { options } = commands(os2, os3, p, `${dir}/state`);
    const pair = ["--source", os2.url, "--target", os3.url];
    for (const name of ["a", "b"]) {
      const run = await runCli(["run", ...pair, "--include", `${p}${name}`], options);
      assertEquals(run.code, 0, run.stderr);
    }
    const listed = await runCli(["rollback", ...pair, "--list"], options);
    assertEquals(listed.code, 0, listed.stderr);
    const rows = listed.stderr.trim().split("\n").slice(1);
    assertEquals(rows.length, 2, listed.stderr);
    assert(rows.every((row) => /completed\s+\S+\s+1$/.test(row)), listed.stderr);
    const all = await runCli(["rollback", ...pair, "--all", "--yes"], options);
    assertEquals(all.code, 0, all.stderr);
    assertEquals(await onTarget(os3, p), [], "both runs undone");
  }));
