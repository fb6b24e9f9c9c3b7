/**
 * A smoke run of the bench (`deno task bench` at 500 documents): every contender still runs and
 * brings every document (the raw ceiling broke unseen once its flags moved), and the native
 * copy's `verify --checksums` passes, and `--profile-nodes` records both nodes. Speed and memory
 * are the bench's to measure, never asserted here.
 */
import { assert, assertEquals } from "../assert.ts";
import { ensureNodes } from "./scene.ts";

Deno.test("bench smoke run (500 documents): every contender brings every document", async () => {
  await ensureNodes(["es7", "os2"]);
  const results = await Deno.makeTempDir({ prefix: "fm-bench-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "bench/main.ts",
        "--docs",
        "500",
        "--memory-docs",
        "0",
        "--profile-nodes",
      ],
      cwd: new URL("../..", import.meta.url).pathname,
      env: { FM_BENCH_RESULTS_DIR: results, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assertEquals(run.code, 0, stderr.slice(-3000));
    const file = [...Deno.readDirSync(results)].find((entry) => entry.name.endsWith(".json"));
    assert(file, `no results JSON in ${results}`);
    const { rows, verify, environment, node_profiles: profiles } = JSON.parse(
      await Deno.readTextFile(`${results}/${file.name}`),
    ) as {
      rows: Array<{ contender: string; expected: number; docs: number; notes: string[] }>;
      verify?: { status: string; outcome: string };
      environment: { warm_up?: string };
      node_profiles?: Array<{ node: string; samples?: number; kinds?: unknown[]; notRun?: string }>;
    };
    // The nodes were warmed before the first timed row (a cold node halves the first rate).
    assert(
      environment.warm_up?.startsWith("nodes warmed up"),
      `warm-up: ${environment.warm_up}`,
    );
    assert(rows.length >= 5, `contenders: ${rows.map((row) => row.contender).join(", ")}`);
    for (const row of rows) {
      assertEquals(row.docs, row.expected, `${row.contender}: ${JSON.stringify(row.notes)}`);
    }
    // The native copy's verification ran and found both sides equal.
    assertEquals(verify?.status, "ok", verify?.outcome ?? "no verification in the results");
    // Both nodes were recorded by Java Flight Recorder and their samples sorted (none "not run").
    assertEquals(profiles?.map((profile) => profile.node), ["es7", "os2"]);
    for (const profile of profiles ?? []) {
      assert(Array.isArray(profile.kinds), `${profile.node} not recorded: ${profile.notRun}`);
      assert(typeof profile.samples === "number", `${profile.node}: ${JSON.stringify(profile)}`);
    }
    const markdown = [...Deno.readDirSync(results)].find((entry) => entry.name.endsWith(".md"));
    assert(markdown, `no results Markdown in ${results}`);
    const report = await Deno.readTextFile(`${results}/${markdown.name}`);
    assert(report.includes("Where the nodes' CPU went"), report.slice(-2000));
  } finally {
    await Deno.remove(results, { recursive: true }).catch(() => {});
  }
});
