/**
 * `plan --split N --out DIR` on real nodes: N Data Prepper pipeline files whose index sets are
 * disjoint and cover the plan, each one a pipeline `run --engine native` accepts.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { parseYaml } from "../../src/deps.ts";
import { fullMatchRegExp } from "../../src/metadata/selection.ts";
import { addDocuments, call, inScene, refreshedCount, runCli, spawnCli } from "./scene.ts";

Deno.test("plan --split 3 --out DIR writes 3 pipeline files with disjoint index sets covering the 4 indices; three engines on them and one monitor over the three endpoints copy everything", () =>
  inScene(["es7", "os2"], "split", async ({ es7, os2, p, dir }) => {
    const out = `${dir}/pipelines`;
    const sizes: Record<string, number> = { a: 400, b: 250, c: 150, d: 100 };
    const names = Object.keys(sizes).map((suffix) => `${p}${suffix}`);
    for (const [suffix, count] of Object.entries(sizes)) {
      await call(`${es7.url}/${p}${suffix}`, "PUT", {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
      });
      await addDocuments(es7.url, `${p}${suffix}`, count);
    }
    const pipeline = `${dir}/pipeline.yaml`;
    await Deno.writeTextFile(
      pipeline,
      `# our migration\nmigration:\n  source:\n    opensearch:\n      hosts: ["${es7.url}"]\n` +
        `      indices:\n        include:\n          - index_name_regex: "${p}.*"\n` +
        `  sink:\n    - opensearch:\n        hosts: ["${os2.url}"]\n`,
    );

    const split = await runCli(["plan", "--pipeline", pipeline, "--split", "3", "--out", out]);
    assertEquals(split.code, 0, split.stderr);
    const files = [...Deno.readDirSync(out)].map(({ name }) => name).sort();
    assertEquals(files, ["pipeline-1.yaml", "pipeline-2.yaml", "pipeline-3.yaml"]);

    const covered: string[][] = [];
    for (const [i, file] of files.entries()) {
      const path = `${out}/${file}`;
      assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600, `${file} holds credentials`);
      const yaml = parseYaml(await Deno.readTextFile(path)) as Record<string, {
        source: { opensearch: { indices: { include: Array<{ index_name_regex: string }> } } };
        sink: Array<{ opensearch: { dlq_file: string } }>;
      }>;
      assertEquals(Object.keys(yaml), [`migration-${i + 1}`], "one pipeline per file");
      const body = yaml[`migration-${i + 1}`];
      assertEquals(body.sink[0].opensearch.dlq_file, `${out}/dlq-${i + 1}.ndjson`);
      const regexes = body.source.opensearch.indices.include.map((entry) =>
        fullMatchRegExp(entry.index_name_regex)
      );
      const mine = names.filter((name) => regexes.some((regex) => regex.test(name)));
      covered.push(mine);
      const documents = mine.reduce((sum, name) => sum + sizes[name.slice(p.length)], 0);
      assertStringIncludes(
        split.stderr,
        `${path}: pipeline migration-${i + 1}, ${mine.length} ${
          mine.length === 1 ? "index" : "indices"
        }, ${documents} documents: ${mine.join(", ")}`,
      );

      // Accepted as it is by the native engine, which would copy exactly these indices.
      const dryrun = await runCli(["run", "--engine", "native", path, "--dryrun", "--json"]);
      assertEquals(dryrun.code, 0, dryrun.stderr);
      assertEquals(JSON.parse(dryrun.stdout).migrating, mine);
    }
    // Disjoint, and together every index: the largest alone, the two smallest together.
    assertEquals(covered.flat().sort(), names);
    assertEquals(covered, [[`${p}a`], [`${p}b`], [`${p}c`, `${p}d`]]);
    assertStringIncludes(split.stderr, "fetch-migration monitor http://NODE-1:4900");

    // Again into the same directory, fewer files: the earlier split's extra file goes.
    const again = await runCli(["plan", "--pipeline", pipeline, "--split", "2", "--out", out]);
    assertEquals(again.code, 0, again.stderr);
    assertEquals([...Deno.readDirSync(out)].map(({ name }) => name).sort(), [
      "pipeline-1.yaml",
      "pipeline-2.yaml",
    ]);
    // Capped at the number of indices, with a note.
    const capped = await runCli([
      "plan",
      "--pipeline",
      pipeline,
      "--split",
      "9",
      "--out",
      out,
      "--json",
    ]);
    assertEquals(capped.code, 0, capped.stderr);
    assertStringIncludes(capped.stderr, "--split 9 capped at 4");
    assertEquals(JSON.parse(capped.stdout).files.length, 4);

    // A directory holding anything else is refused, and nothing in it changes.
    await Deno.writeTextFile(`${out}/notes.txt`, "mine");
    const refused = await runCli(["plan", "--pipeline", pipeline, "--split", "3", "--out", out]);
    assertEquals(refused.code, 2, refused.stderr);
    assertStringIncludes(refused.stderr, "notes.txt");
    assert([...Deno.readDirSync(out)].some(({ name }) => name === "pipeline-4.yaml"));
    // Split in three again (the note removed), then one engine per file (the native engine
    // serving Data Prepper's interface, as on N nodes) and one monitor over the three endpoints
    // against the whole count.
    await Deno.remove(`${out}/notes.txt`);
    const third = await runCli(["plan", "--pipeline", pipeline, "--split", "3", "--out", out]);
    assertEquals(third.code, 0, third.stderr);
    const engines = files.map((file, i) =>
      spawnCli(
        ["run", "--engine", "native", `${out}/${file}`, "--metrics-port", String(4937 + i)],
        { env: { XDG_STATE_HOME: `${dir}/state-${i + 1}` } },
      )
    );
    const monitor = await runCli([
      "monitor",
      ...files.map((_, i) => `http://127.0.0.1:${4937 + i}`),
      "900",
      "--poll-interval",
      "1",
    ]);
    assertEquals(monitor.code, 0, monitor.stderr);
    assertStringIncludes(monitor.stderr, "sent /shutdown to 3 endpoints");
    for (const engine of engines) assertEquals((await engine.status).code, 0);
    for (const [suffix, count] of Object.entries(sizes)) {
      assertEquals(await refreshedCount(os2.url, `${p}${suffix}`), count);
    }
  }));
