/**
 * One JSON vocabulary (docs/json.md): every command runs with `--json` on one scene (indices,
 * a template left out, a copy, a sync, a monitored run, a rollback), each document is checked
 * against the rules (vocabulary.ts), and the keys the commands share are compared: the same
 * endpoints, journal, documents and counts under the same names with the same values.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  addDocuments,
  call,
  endpoints,
  finished,
  inScene,
  runCli,
  spawnCli,
  TEST_STATE_HOME,
} from "./scene.ts";
import { vocabularyProblems } from "./vocabulary.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

Deno.test("every command's --json speaks one vocabulary, and the commands agree on what they share", () =>
  inScene(["es7", "os2"], "vocab", async ({ es7, os2, p, dir }) => {
    for (const [name, count] of [["a", 30], ["b", 12], ["m", 40]] as const) {
      await addDocuments(es7.url, `${p}${name}`, count);
    }
    await call(`${es7.url}/_template/${p}unused`, "PUT", {
      index_patterns: [`${p}nothing-*`],
      settings: { number_of_shards: 1 },
    });
    const pair = endpoints(es7, os2);
    const selection = ["--include", `${p}a`, "--include", `${p}b`];
    const journal = `${dir}/run.json`;
    const documents: Array<{ what: string; json: Json }> = [];
    const json = async (what: string, args: string[], code = 0): Promise<Json> => {
      const run = await runCli(args);
      assertEquals(run.code, code, `${what}:\n${run.stderr}`);
      const lines = run.stdout.trim();
      // sync streams one document a line; the others print one document.
      const parsed = what.startsWith("sync")
        ? lines.split("\n").map((line) => JSON.parse(line))
        : [JSON.parse(lines)];
      parsed.forEach((value, i) => documents.push({ what: `${what}#${i}`, json: value }));
      return parsed.at(-1);
    };

    const info = await json("info", ["info", ...pair, "--json"]);
    const plan = await json("plan", ["plan", ...pair, ...selection, "--json"]);
    const detail = await json("plan --json-detail", [
      "plan",
      ...pair,
      ...selection,
      "--json-detail",
    ]);
    const metadataDry = await json("metadata --dryrun", [
      "metadata",
      ...pair,
      ...selection,
      "--dryrun",
      "--json",
    ]);
    const runDry = await json("run --dryrun", [
      "run",
      ...pair,
      ...selection,
      "--dryrun",
      "--journal",
      journal,
      "--json",
    ]);
    const run = await json("run", ["run", ...pair, ...selection, "--journal", journal, "--json"]);
    const verify = await json("verify", ["verify", ...pair, ...selection, "--checksums", "--json"]);
    await addDocuments(es7.url, `${p}a`, 35);
    const sync = await json("sync", [
      "sync",
      ...pair,
      ...selection,
      "--journal",
      journal,
      "--until-lag",
      "0",
      "--interval",
      "1",
      "--json",
    ]);
    const monitored = await monitorJson(pair, p, dir, documents);
    const rollbackDry = await json("rollback --dryrun", [
      "rollback",
      "--journal",
      journal,
      "--target",
      os2.url,
      "--dryrun",
      "--json",
    ]);
    const rollback = await json("rollback", [
      "rollback",
      "--journal",
      journal,
      "--target",
      os2.url,
      "--yes",
      "--json",
    ]);

    // Every document follows the rules.
    const problems = documents.flatMap(({ what, json }) => vocabularyProblems(json, what));
    assertEquals(problems, []);

    // The same things under the same names, with the same values.
    const source = { url: es7.url, distribution: "elasticsearch", version: "7.10.2" };
    for (const doc of [plan, detail, metadataDry, runDry, run, verify]) {
      assertEquals(doc.source, source);
      assertEquals(doc.target.url, os2.url);
    }
    assertEquals(info.source.url, es7.url);
    assertEquals(rollback.target, { url: os2.url });
    assertEquals(
      [info.status, plan.status, run.status, verify.status, sync.status, rollback.status],
      ["succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded"],
    );
    assertEquals([runDry.status, metadataDry.status, rollbackDry.status], [
      "dry_run",
      "dry_run",
      "dry_run",
    ]);
    assertEquals([runDry.dry_run, run.dry_run, metadataDry.dry_run, rollbackDry.dry_run], [
      true,
      false,
      true,
      true,
    ]);
    assertEquals([run.journal, sync.journal, rollback.journal], [journal, journal, journal]);
    assertEquals(run.documents.copied, 42);
    assertEquals(run.documents.expected, plan.documents.total);
    assertEquals(
      run.counts.map((c: Json) => [c.index, c.source_count, c.target_count]),
      verify.indices.map((i: Json) => [i.index, i.source_count, i.target_count]),
    );
    assertEquals(sync.ended_by, "caught_up");
    assertEquals(monitored.status, "succeeded");
    assertEquals(monitored.documents.copied, 40);
    assertEquals(
      rollback.deleted.map((item: Json) => item.name).sort(),
      rollbackDry.to_delete.map((item: Json) => item.name).sort(),
    );
    // Compact by default: what needs no decision is counted, listed with --json-detail.
    assertEquals(plan.indices.counts.create, 2);
    assert(plan.indices.counts.excluded >= 1);
    assertEquals(plan.indices.excluded, undefined);
    assert(detail.indices.excluded.includes(`${p}m`));
    assertEquals(plan.templates.legacy.excluded, undefined);
    assert(detail.definitions.some((d: Json) => d.kind === "index" && d.name === `${p}a`));
    assertEquals(plan.definitions, undefined);
    assert(JSON.stringify(plan).length < JSON.stringify(detail).length);
  }));

/**
 * `monitor --json` over a native run with `--metrics-port`, and that run's `/status.json` at its
 * end; both added to `documents`.
 */
async function monitorJson(
  pair: string[],
  p: string,
  dir: string,
  documents: Array<{ what: string; json: Json }>,
): Promise<Json> {
  const port = 4976;
  const engine = spawnCli([
    "run",
    ...pair,
    "--include",
    `${p}m`,
    "--journal",
    `${dir}/m.json`,
    "--metrics-port",
    String(port),
  ], { stdout: "null", stderr: "piped", env: { XDG_STATE_HOME: TEST_STATE_HOME } });
  try {
    const monitor = await runCli([
      "monitor",
      `http://127.0.0.1:${port}`,
      "40",
      "--poll-interval",
      "1",
      "--no-shutdown",
      "--json",
    ]);
    assertEquals(monitor.code, 0, monitor.stderr);
    const status = await (await fetch(`http://127.0.0.1:${port}/status.json`)).json();
    documents.push({ what: "status.json", json: status });
    const json = JSON.parse(monitor.stdout);
    documents.push({ what: "monitor", json });
    return json;
  } finally {
    await fetch(`http://127.0.0.1:${port}/shutdown`, { method: "POST" })
      .then((r) => r.body?.cancel(), () => {});
    await finished(engine, 30);
  }
}
