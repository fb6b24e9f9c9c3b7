/**
 * `verify` against real clusters: the same documents written on a source and on os2 must verify
 * equal; a deleted, an altered and an extra target document must be named exactly; counts alone
 * see only what changes a count; a sample runs on both Elasticsearch 7 and the typed ES 6 path.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { bulk, call, endpoints, inScene, runCli } from "./scene.ts";

const DOCS = 300;
const SETTINGS = { number_of_shards: 2, number_of_replicas: 0 };
const PROPERTIES = {
  title: { type: "text" },
  n: { type: "long" },
  big: { type: "long" },
  author: { properties: { name: { type: "keyword" } } },
  comments: { type: "nested", properties: { text: { type: "text" } } },
};

/** `d0..d299`; every tenth has a routing; `big` holds integers above 2^53 (exact text). */
function documentLines(type?: string): string {
  return Array.from({ length: DOCS }, (_, i) => {
    const meta: Record<string, string> = { _id: `d${i}` };
    if (type) meta._type = type;
    if (i % 10 === 0) meta.routing = `r${i % 3}`;
    return `${JSON.stringify({ index: meta })}\n${documentText(i)}\n`;
  }).join("");
}

function documentText(i: number, big = 12345678901234567n + BigInt(i)): string {
  return `{"title":"doc ${i}","n":${i},"big":${big},"author":{"name":"a${i % 5}"},` +
    `"comments":[{"text":"first ${i}"},{"text":"second"}]}`;
}

/** Writes a raw JSON text as a document (fixtures' `call` would go through JSON.stringify). */
async function putText(url: string, path: string, text: string): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: text,
  });
  if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
  await response.body?.cancel();
}

interface IndexJson {
  index: string;
  source_count: number | null;
  target_count: number | null;
  status: string;
  checksums?: {
    source_count: number;
    missing: string[];
    extra: string[];
    different: string[];
    missing_total: number;
    extra_total: number;
    different_total: number;
  };
  sample?: {
    requested: number;
    checked: number;
    seed: number;
    missing: string[];
    different: string[];
  };
}

function indexOf(report: { indices: IndexJson[] }, name: string): IndexJson {
  const found = report.indices.find((entry) => entry.index === name);
  assert(found, `${name} is in the report: ${JSON.stringify(report.indices.map((i) => i.index))}`);
  return found;
}

Deno.test("verify es7 -> os2: equal, then a missing, an altered and an extra document named exactly", () =>
  inScene(["es7", "os2"], "verify7", async ({ es7, os2, p }) => {
    const index = `${p}docs`;
    for (const url of [es7.url, os2.url]) {
      await call(`${url}/${index}`, "PUT", {
        settings: SETTINGS,
        mappings: { properties: PROPERTIES },
      });
      await bulk(`${url}/${index}`, documentLines());
    }

    const equal = await runCli(["verify", ...endpoints(es7, os2, index), "--checksums", "--json"]);
    assertEquals(equal.code, 0, equal.stderr);
    const equalReport = JSON.parse(equal.stdout);
    assertEquals(equalReport.status, "succeeded");
    assertEquals(equalReport.source, {
      url: es7.url,
      distribution: "elasticsearch",
      version: "7.10.2",
    });
    assertEquals(equalReport.target.url, os2.url);
    const same = indexOf(equalReport, index);
    assertEquals([same.source_count, same.target_count, same.status], [DOCS, DOCS, "ok"]);
    assertEquals(same.checksums?.source_count, DOCS);
    assertEquals(same.checksums?.missing_total, 0);
    assertMatch(equal.stderr, new RegExp(`${index}\\s+300\\s+300\\s+ok\\s+checksums equal`));
    assertStringIncludes(equal.stderr, "verification passed: 1 index match");

    // d3 written again on the target in other bytes but the same content (keys reordered,
    // spaced, 3.0 for 3): the byte digests differ, the parsed ones do not, and verify says equal.
    await putText(
      os2.url,
      `/${index}/_doc/d3?refresh=true`,
      `{ "n": 3.0, "comments": [{"text": "first 3"}, {"text": "second"}],\n` +
        `  "author": {"name": "a3"}, "big": 12345678901234570, "title": "doc 3" }`,
    );
    const respelled = await runCli(["verify", ...endpoints(es7, os2, index), "--checksums"]);
    assertEquals(respelled.code, 0, respelled.stderr);
    assertStringIncludes(respelled.stderr, "checksums equal (300 docs)");

    const sampled = await runCli([
      "verify",
      ...endpoints(es7, os2, index),
      "--sample",
      "20",
      "--json",
    ]);
    assertEquals(sampled.code, 0, sampled.stderr);
    const sample = indexOf(JSON.parse(sampled.stdout), index).sample;
    assertEquals([sample?.requested, sample?.checked, sample?.missing, sample?.different], [
      20,
      20,
      [],
      [],
    ]);

    // d10 has a routing: deleting it needs that routing. d9's `big` changes in its last digit
    // only, which a double cannot tell apart: the comparison must keep every digit.
    await call(`${os2.url}/${index}/_doc/d10?routing=r1&refresh=true`, "DELETE");
    await putText(os2.url, `/${index}/_doc/d9?refresh=true`, documentText(9, 12345678901234577n));
    await putText(os2.url, `/${index}/_doc/x-extra?refresh=true`, documentText(999));

    const changed = await runCli([
      "verify",
      ...endpoints(es7, os2, index),
      "--checksums",
      "--json",
    ]);
    assertEquals(changed.code, 1, changed.stderr);
    const changedReport = JSON.parse(changed.stdout);
    assertEquals(changedReport.status, "failed");
    const diff = indexOf(changedReport, index);
    assertEquals(diff.status, "mismatch");
    assertEquals([diff.source_count, diff.target_count], [DOCS, DOCS], "one gone, one extra");
    assertEquals(diff.checksums?.missing, ["d10"]);
    assertEquals(diff.checksums?.different, ["d9"]);
    assertEquals(diff.checksums?.extra, ["x-extra"]);
    assertEquals(
      [diff.checksums?.missing_total, diff.checksums?.different_total, diff.checksums?.extra_total],
      [1, 1, 1],
    );
    assertStringIncludes(changed.stderr, "missing on target (1): d10");
    assertStringIncludes(changed.stderr, "error: verification failed: 1 of 1 index differs");

    // Equal counts: counting alone cannot see these three.
    const counted = await runCli(["verify", ...endpoints(es7, os2, index), "--json"]);
    assertEquals(counted.code, 0, counted.stderr);
    assertEquals(indexOf(JSON.parse(counted.stdout), index).checksums, undefined);

    await call(`${os2.url}/${index}/_doc/d7?refresh=true`, "DELETE");
    const short = await runCli(["verify", ...endpoints(es7, os2, index), "--json"]);
    assertEquals(short.code, 1, short.stderr);
    const shortIndex = indexOf(JSON.parse(short.stdout), index);
    assertEquals([shortIndex.source_count, shortIndex.target_count, shortIndex.status], [
      DOCS,
      DOCS - 1,
      "mismatch",
    ]);
    assertStringIncludes(short.stderr, "target has 1 fewer");
    assertStringIncludes(short.stderr, "refresh interval");

    // A sample larger than the index draws every document.
    const all = await runCli([
      "verify",
      ...endpoints(es7, os2, index),
      "--sample",
      "1000",
      "--json",
    ]);
    assertEquals(all.code, 1, all.stderr);
    const everything = indexOf(JSON.parse(all.stdout), index).sample;
    assertEquals(everything?.checked, DOCS);
    assertEquals(everything?.missing.sort(), ["d10", "d7"]);
    assertEquals(everything?.different, ["d9"]);
  }));

Deno.test("verify es7 -> os2: a target index missing, a conflicting one not verified", () =>
  inScene(["es7", "os2"], "verify7m", async ({ es7, os2, p }) => {
    await call(`${es7.url}/${p}absent`, "PUT", { settings: SETTINGS });
    await bulk(
      `${es7.url}/${p}absent`,
      documentLines().split("\n").slice(0, 20).join("\n") + "\n",
    );
    await call(`${es7.url}/${p}conflict`, "PUT", {
      settings: SETTINGS,
      mappings: { properties: { a: { type: "keyword" } } },
    });
    await call(`${os2.url}/${p}conflict`, "PUT", {
      settings: SETTINGS,
      mappings: { properties: { a: { type: "text" } } },
    });
    const run = await runCli(["verify", ...endpoints(es7, os2, `${p}*`), "--checksums", "--json"]);
    assertEquals(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    const absent = indexOf(report, `${p}absent`);
    assertEquals([absent.source_count, absent.target_count, absent.status], [10, null, "missing"]);
    assertEquals(report.not_verified, [{ index: `${p}conflict`, reason: "definitions differ" }]);
    assertStringIncludes(run.stderr, "missing on target");
    assertStringIncludes(run.stderr, `not verified:\n  ${p}conflict: definitions differ`);
  }));

Deno.test("verify es6 (typed) -> os2: checksums and sample, and --journal picks the indices", () =>
  inScene(["es6", "os2"], "verify6", async ({ es6, os2, p, dir }) => {
    const index = `${p}typed`;
    await call(`${es6.url}/${index}`, "PUT", {
      settings: SETTINGS,
      mappings: { doc: { properties: PROPERTIES } },
    });
    await bulk(`${es6.url}/${index}`, documentLines("doc"));
    await call(`${os2.url}/${index}`, "PUT", {
      settings: SETTINGS,
      mappings: { properties: PROPERTIES },
    });
    await bulk(`${os2.url}/${index}`, documentLines());
    // Only on the source, outside the journal: --journal must not look at it.
    await call(`${es6.url}/${p}other`, "PUT", { settings: SETTINGS });

    const equal = await runCli([
      "verify",
      ...endpoints(es6, os2, index),
      "--checksums",
      "--sample",
      "25",
      "--json",
    ]);
    assertEquals(equal.code, 0, equal.stderr);
    const same = indexOf(JSON.parse(equal.stdout), index);
    assertEquals([same.status, same.checksums?.source_count, same.sample?.checked], [
      "ok",
      DOCS,
      25,
    ]);

    await putText(os2.url, `/${index}/_doc/d20?routing=r2&refresh=true`, documentText(20, 1n));
    const journal = `${dir}/journal.json`;
    await Deno.writeTextFile(
      journal,
      JSON.stringify({
        version: 1,
        runId: "test",
        target: os2.url,
        startedAt: new Date().toISOString(),
        status: "completed",
        entries: [],
        backfill: {
          source: es6.url,
          indices: { [index]: DOCS },
          units: [],
          tuned: {},
          deadLetters: 0,
          status: "completed",
        },
      }),
    );
    const changed = await runCli([
      "verify",
      ...endpoints(es6, os2),
      "--journal",
      journal,
      "--checksums",
      "--json",
    ]);
    assertEquals(changed.code, 1, changed.stderr);
    const report = JSON.parse(changed.stdout);
    assertEquals(report.indices.map((entry: IndexJson) => entry.index), [index]);
    const diff = indexOf(report, index);
    assertEquals([diff.checksums?.missing, diff.checksums?.different, diff.checksums?.extra], [
      [],
      ["d20"],
      [],
    ]);

    const bare = `${dir}/bare.json`;
    await Deno.writeTextFile(
      bare,
      JSON.stringify({ ...JSON.parse(await Deno.readTextFile(journal)), backfill: undefined }),
    );
    const noBackfill = await runCli(["verify", ...endpoints(es6, os2), "--journal", bare]);
    assertEquals(noBackfill.code, 2, noBackfill.stderr);
    assertStringIncludes(noBackfill.stderr, "has no backfill section");

    const otherTarget = await runCli(["verify", ...endpoints(es6, es6), "--journal", journal]);
    assertEquals(otherTarget.code, 2, otherTarget.stderr);
    assertStringIncludes(otherTarget.stderr, "the journal is for the target");
  }));
