/**
 * `run --engine native --part k/N` on real nodes: three processes started at once share one
 * selection by primary shard, one of them is killed with SIGKILL and run again, every part exits
 * 0, the whole then verifies, and each part's journal holds (and its rollback deletes) only what
 * that part created.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { partOf } from "../../src/backfill/units.ts";
import {
  assertVerified,
  bulk,
  call,
  finished,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  runCli,
  spawnCli,
} from "./scene.ts";

/** Creates `index` with `shards` primaries and no replica, and loads `count` documents. */
async function loadIndex(node: NodeHandle, index: string, count: number, shards: number) {
  await call(`${node.url}/${index}`, "PUT", {
    settings: { number_of_shards: shards, number_of_replicas: 0 },
    mappings: { properties: { n: { type: "long" }, title: { type: "text" } } },
  });
  for (let first = 0; first < count; first += 4000) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(count, first + 4000); i++) {
      lines.push(JSON.stringify({ index: { _index: index, _id: `d${i}` } }));
      lines.push(JSON.stringify({ n: i, title: `document ${i}`, pad: "x".repeat(100) }));
    }
    await bulk(node.url, lines.join("\n") + "\n", false);
  }
  await call(`${node.url}/${index}/_refresh`, "POST");
}

/** A name for the 6-shard index whose shards hash to every one of 3 parts. */
function spreadName(prefix: string): string {
  for (let n = 0;; n++) {
    const name = `${prefix}big${n}`;
    const parts = new Set(Array.from({ length: 6 }, (_, shard) => partOf(name, shard, 3)));
    if (parts.size === 3) return name;
  }
}

interface JournalFile {
  part?: string;
  status: string;
  entries: Array<{ kind: string; name: string; status: string }>;
  backfill?: { units: Array<{ copied: number; shard: number; index: string }> };
}

/** The journal of part `k` of 3 in the state directory, if it was written yet. */
async function partJournal(state: string, k: number): Promise<
  { path: string; data: JournalFile } | undefined
> {
  try {
    for await (const entry of Deno.readDir(`${state}/fetch-migration`)) {
      if (!new RegExp(`^run-[0-9a-f]{12}-part-${k}-of-3\\.json$`).test(entry.name)) continue;
      const path = `${state}/fetch-migration/${entry.name}`;
      // Written whole and renamed into place, but a read may still meet a rename: try again.
      const data = JSON.parse(await Deno.readTextFile(path)) as JournalFile;
      return { path, data };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

async function exists(node: NodeHandle, path: string): Promise<boolean> {
  const response = await fetch(`${node.url}${path}`);
  await response.body?.cancel();
  return response.status === 200;
}

Deno.test("three parts at once (one killed with SIGKILL and run again) fill a 6-shard index; verify passes; the rollback of each part deletes only what that part created", () =>
  inScene(["es7", "os2"], "parts", async ({ es7, os2, p, dir }) => {
    const big = spreadName(p);
    const small = `${p}small`;
    const env = { XDG_STATE_HOME: dir };
    // Paced so part 2 is still copying when it is killed; the same command finishes it.
    const command = (k: number) =>
      nativeRunArgs({ source: es7, target: os2, include: `${p}*` }, [
        "--part",
        `${k}/3`,
        ...["--page-size", "200", "--max-docs-per-second", "1000"],
      ]);
    const spawn = (k: number) => spawnCli(command(k), { env, stdout: "piped", stderr: "piped" });
    await loadIndex(es7, big, 12_000, 6);
    await loadIndex(es7, small, 300, 1);
    // Two templates (neither uses the other), so there is more for the parts to race for.
    await call(`${es7.url}/_component_template/${p}ct`, "PUT", {
      template: { settings: { number_of_shards: 1 } },
    });
    await call(`${es7.url}/_template/${p}lt`, "PUT", {
      index_patterns: [`${p}unused-*`],
      settings: { number_of_shards: 1 },
    });
    const parts = [spawn(1), spawn(2), spawn(3)];
    const outputs = parts.map((child) => finished(child));

    // Part 2 is killed once its journal says it copied something.
    const deadline = Date.now() + 90_000;
    let copied = 0;
    while (copied === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const journal = await partJournal(dir, 2);
      copied = (journal?.data.backfill?.units ?? []).reduce((sum, unit) => sum + unit.copied, 0);
    }
    assert(copied > 0, "part 2 copied nothing within 90 s");
    parts[1].kill("SIGKILL");
    const killed = await outputs[1];
    assertEquals(killed.signal, "SIGKILL", killed.stderr);
    const stopped = (await partJournal(dir, 2))!.data;
    const total = stopped.backfill!.units.reduce((sum, unit) => sum + unit.copied, 0);
    const share = (await call(
      `${es7.url}/${big}/_count?preference=_shards:${
        [0, 1, 2, 3, 4, 5].filter((shard) => partOf(big, shard, 3) === 2).join(",")
      }`,
      "GET",
    )).count as number;
    assert(total < share, `part 2 had copied its whole share (${total}) before the kill`);

    for (const k of [1, 3]) {
      const { code, stderr } = await outputs[k - 1];
      assertEquals(code, 0, `part ${k}:\n${stderr}`);
      assertStringIncludes(stderr, `part ${k} of 3 done: `);
      assertStringIncludes(
        stderr,
        "when every part is done: fetch-migration verify --checksums --source",
      );
    }

    // The same command continues part 2 from its journal.
    const again = await runCli(command(2), { env });
    assertEquals(again.code, 0, again.stderr);
    assertStringIncludes(again.stderr, "continuing run");
    assertStringIncludes(again.stderr, "part 2 of 3 done: ");

    await assertVerified(es7, os2, p, { env });
    // The part that created each index loaded it with refreshes off: put back once it ended.
    const settings = await call(
      `${os2.url}/${big},${small}/_settings/index.refresh_interval?flat_settings=true`,
      "GET",
    ) as Record<string, { settings: Record<string, string> }>;
    for (const index of [big, small]) {
      assertEquals(settings[index]?.settings["index.refresh_interval"], undefined, index);
    }

    // Each index and template was created by exactly one part, and journaled by that one only.
    const journals = await Promise.all([1, 2, 3].map((k) => partJournal(dir, k)));
    const createdBy = journals.map((journal) =>
      journal!.data.entries
        .filter((entry) => entry.status === "created" && entry.name.startsWith(p))
        .map(({ name }) => name)
    );
    assertEquals(
      createdBy.flat().sort(),
      [big, small, `${p}ct`, `${p}lt`].sort(),
      JSON.stringify(createdBy),
    );
    assertEquals(journals.map((journal) => journal!.data.part), ["1/3", "2/3", "3/3"]);

    // Rolled back one part after the other: each deletes what its journal says it created,
    // and everything the later parts created stays (whichever part won which race).
    const paths: Record<string, string> = {
      [big]: `/${big}`,
      [small]: `/${small}`,
      [`${p}ct`]: `/_component_template/${p}ct`,
      [`${p}lt`]: `/_template/${p}lt`,
    };
    for (const k of [1, 2, 3]) {
      const rollback = await runCli(
        ["rollback", "--journal", journals[k - 1]!.path, "--target", os2.url, "--yes"],
        { env },
      );
      assertEquals(rollback.code, 0, rollback.stderr);
      const undone = createdBy.slice(0, k).flat();
      for (const [name, path] of Object.entries(paths)) {
        assertEquals(
          await exists(os2, path),
          !undone.includes(name),
          `after the rollback of part ${k}: ${name}, created by part ` +
            `${createdBy.findIndex((names) => names.includes(name)) + 1}`,
        );
      }
    }
  }));
