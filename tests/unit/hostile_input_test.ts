/**
 * Hostile and mistaken input, the pure parts: ports, hosts and regexes of a pipeline, the files
 * `--journal` and `--dead-letter` name, a target older than the source, and a document larger
 * than the target takes (the bulk writer against a scripted target answering 413).
 * `tests/integration/hostile_input_test.ts` runs the same cases through the CLI on real nodes.
 */
import { assert, assertEquals, assertStringIncludes } from "../assert.ts";
import { parsePipelineYaml } from "../../src/config/pipeline.ts";
import { parseEndpointUrl, portProblem, withDefaultPort } from "../../src/config/flags.ts";
import { inlineTargetUrl } from "../../src/config/load.ts";
import { BadInputError } from "../../src/errors.ts";
import {
  checkDeadLetterFlag,
  checkJournalFlag,
  isDeadLetterLine,
  type PathState,
} from "../../src/journal/file-flags.ts";
import { type ClusterInfo, isOlderTarget } from "../../src/cluster/version.ts";
import { checkTargetNotOlder } from "../../src/migrate/checks.ts";
import { BulkWriter, tooLargeReason } from "../../src/backfill/writer.ts";
import { DeadLetterFile } from "../../src/backfill/deadletter.ts";
import type { SourceDocument } from "../../src/backfill/reader.ts";
import { scriptedTarget } from "./scripted_target.ts";

/** The BadInputError `run` throws; fails when it throws nothing or something else. */
function badInput(run: () => unknown): BadInputError {
  try {
    run();
  } catch (error) {
    assert(error instanceof BadInputError, `expected a BadInputError, got ${error}`);
    return error;
  }
  throw new Error("expected bad input");
}

function pipeline(source: string, sink = '["http://target:9200"]'): string {
  return `p:\n  source:\n    opensearch:\n${source}\n  sink:\n    - opensearch:\n        hosts: ${sink}\n`;
}

Deno.test("ports: 0, 70000 and abc are named as such; good and absent ports pass", () => {
  assertEquals(portProblem("http://h:0"), "its port 0 is not a port from 1 to 65535");
  assertEquals(portProblem("http://h:70000/x"), "its port 70000 is not a port from 1 to 65535");
  assertEquals(portProblem("https://h:abc"), 'its port "abc" is not a number');
  assertEquals(portProblem("http://[::1]:99999"), "its port 99999 is not a port from 1 to 65535");
  for (const fine of ["http://h", "http://h:9200", "https://u:p@h:443/base", "http://h:/"]) {
    assertEquals(portProblem(fine), undefined, fine);
  }
  // User info is never taken for a port, and never shown.
  assertEquals(portProblem("http://u:hunter2@h"), undefined);
  assertEquals(portProblem("http://u:p/ss@h:9200"), undefined);
  assertEquals(withDefaultPort("https://u:pw@h:abc/base"), "https://h:9200/base");
});

Deno.test("ports: the flag, the pipeline key and INLINE_TARGET_HOST name the bad port and the fix", () => {
  const flag = badInput(() => parseEndpointUrl("target", "http://u:pw@127.0.0.1:0"));
  assertEquals(
    flag.message,
    '--target "http://127.0.0.1:0" is not a cluster URL: its port 0 is not a port from 1 to ' +
      "65535",
  );
  assertStringIncludes(flag.hint!, "--target http://127.0.0.1:9200");
  assert(!`${flag.message}${flag.hint}`.includes("pw"));

  const key = badInput(() =>
    parsePipelineYaml(pipeline('      hosts: ["http://source:70000"]'), "in.yaml")
  );
  assertStringIncludes(key.message, "in.yaml: key `p.source.opensearch.hosts`");
  assertStringIncludes(key.message, "its port 70000 is not a port from 1 to 65535");
  assertStringIncludes(key.hint!, 'hosts: ["http://source:9200"]');

  const inline = badInput(() => inlineTargetUrl("search.example.com:abc"));
  assertStringIncludes(inline.message, 'INLINE_TARGET_HOST "search.example.com:abc"');
  assertStringIncludes(inline.message, 'its port "abc" is not a number');
});

Deno.test("hosts: missing, empty, a number, a map, or a plugin that is not a map, each said so", () => {
  const cases: Array<[string, string]> = [
    ["      hosts: []", "key `p.source.opensearch.hosts` is empty"],
    ['      hosts: ""', "key `p.source.opensearch.hosts` is empty"],
    ['      hosts: ["  "]', "key `p.source.opensearch.hosts` is empty"],
    ["      hosts: 5", "is not a URL or a list of URLs (it holds the number 5)"],
    ['      hosts: ["http://a:9200", 7]', "(it holds the number 7)"],
    ["      hosts: {url: x}", "(it holds a map)"],
    ["      username: x", "key `p.source.opensearch.hosts` is missing"],
  ];
  for (const [source, expected] of cases) {
    const error = badInput(() => parsePipelineYaml(pipeline(source), "in.yaml"));
    assertStringIncludes(error.message, expected, source);
    assertStringIncludes(error.hint!, 'hosts: ["https://host:9200"]');
  }
  const scalar = badInput(() =>
    parsePipelineYaml(
      'p:\n  source:\n    opensearch: "http://a:9200"\n  sink:\n    - opensearch:\n' +
        '        hosts: ["http://b:9200"]\n',
      "in.yaml",
    )
  );
  assertStringIncludes(scalar.message, "key `p.source.opensearch` must be a map of settings");
});

Deno.test("wrong types: the key path says which list item, with [n]", () => {
  const error = badInput(() =>
    parsePipelineYaml(
      pipeline(
        '      hosts: ["http://a:9200"]\n      indices:\n        include:\n' +
          "          - index_name_regex: 5",
      ),
      "in.yaml",
    )
  );
  assertStringIncludes(error.message, "`p.source.opensearch.indices.include[0].index_name_regex`");
  const string = badInput(() =>
    parsePipelineYaml(
      pipeline('      hosts: ["http://a:9200"]\n      indices:\n        include: "logs-.*"'),
      "in.yaml",
    )
  );
  assertStringIncludes(string.message, "`p.source.opensearch.indices.include` is invalid");
  assertStringIncludes(string.hint!, 'include: [{index_name_regex: "logs-.*"}]');
});

Deno.test("an invalid index_name_regex is refused at parse time, naming file, key and regex", () => {
  const error = badInput(() =>
    parsePipelineYaml(
      pipeline(
        '      hosts: ["http://a:9200"]\n      indices:\n        include:\n' +
          '          - index_name_regex: "logs-.*"\n        exclude:\n' +
          '          - index_name_regex: "([a-"',
      ),
      "in.yaml",
    )
  );
  assertStringIncludes(
    error.message,
    'in.yaml: key `p.source.opensearch.indices.exclude[0].index_name_regex` has "([a-", which ' +
      "is not a valid regular expression",
  );
  assert(!error.message.includes("/^(?:"), error.message);
  // Java-style escapes that only `u` refuses are still taken, as the selection takes them.
  const parsed = parsePipelineYaml(
    pipeline(
      '      hosts: ["http://a:9200"]\n      indices:\n        include:\n' +
        '          - index_name_regex: "logs\\\\-[0-9]+"',
    ),
    "in.yaml",
  );
  assertEquals(parsed.selection.include, ["logs\\-[0-9]+"]);
});

Deno.test("--journal: a directory, a device, other text or an empty file is refused and left alone", () => {
  const file = (head: string): PathState => ({ kind: "file", head });
  checkJournalFlag("j.json", { kind: "missing" }, "continue");
  checkJournalFlag("j.json", file('{\n  "version": 1'), "continue");
  checkJournalFlag("j.json", { kind: "missing" }, "create");
  checkJournalFlag("j.json", file('{"version": 1}'), "read");
  const cases: Array<[PathState, "continue" | "create" | "read", string]> = [
    [{ kind: "directory" }, "continue", "--journal j.json is a directory, not a file"],
    [{ kind: "other" }, "continue", "--journal j.json is not a regular file"],
    [file("p:\n  source:"), "continue", "is not a Fetch Migration journal"],
    [file(""), "continue", "is an empty file, not a journal"],
    [file('{"version": 1}'), "create", "--journal j.json exists already"],
    [{ kind: "missing" }, "read", "--journal j.json does not exist"],
    [{ kind: "directory" }, "read", "--journal j.json is a directory, not a file"],
    [file("p:\n"), "read", "is not a Fetch Migration journal"],
  ];
  for (const [state, mode, expected] of cases) {
    const error = badInput(() => checkJournalFlag("j.json", state, mode));
    assertStringIncludes(error.message, expected);
    assert(error.hint, expected);
  }
});

Deno.test("--dead-letter: only a new, empty or dead-letter file is taken", () => {
  const file = (head: string): PathState => ({ kind: "file", head });
  checkDeadLetterFlag("d.ndjson", { kind: "missing" });
  checkDeadLetterFlag("d.ndjson", file(""));
  checkDeadLetterFlag("d.ndjson", file('{"index":"a","id":"1","status":400,"reason":"x"}\n'));
  // A record cut short by the 4 KiB read (a large document) is still recognised.
  checkDeadLetterFlag(
    "d.ndjson",
    file(`{"index":"a","id":"1","status":413,"source":{"b":"${"x".repeat(5000)}`),
  );
  assert(!isDeadLetterLine('{"index":1}'));
  assert(!isDeadLetterLine("p:"));
  for (const state of [{ kind: "directory" }, file("p:\n  source:\n")] as PathState[]) {
    const error = badInput(() => checkDeadLetterFlag("d.ndjson", state));
    assertStringIncludes(error.message, "--dead-letter d.ndjson");
  }
});

function info(distribution: ClusterInfo["distribution"], version: string): ClusterInfo {
  const [major, minor, patch] = version.split(".").map(Number);
  return { distribution, version, major, minor, patch, clusterName: "c" };
}

Deno.test("older target: same product, older major or minor; the two products never compare", () => {
  const os = (v: string) => info("opensearch", v);
  const es = (v: string) => info("elasticsearch", v);
  assert(isOlderTarget(os("3.6.0"), os("2.19.6")));
  assert(isOlderTarget(os("2.19.6"), os("1.3.20")));
  assert(isOlderTarget(os("2.19.0"), os("2.11.1")));
  assert(isOlderTarget(es("8.19.0"), es("7.10.2")));
  assert(!isOlderTarget(os("2.19.6"), os("2.19.1")), "a patch release is not older");
  assert(!isOlderTarget(os("1.3.20"), os("3.6.0")));
  assert(!isOlderTarget(es("8.19.0"), os("1.3.20")), "Elasticsearch into OpenSearch");
  assert(!isOlderTarget(os("3.6.0"), es("7.10.2")));
  // OpenSearch in compatibility mode whose real version was not read: unknown, not older.
  assert(!isOlderTarget(os("2.19.6"), { ...os("7.10.2"), compatibilityMode: true }));

  const urls = { source: "http://s:9200", target: "http://t:9200" };
  const error = badInput(() =>
    checkTargetNotOlder(urls, { source: os("2.19.6"), target: os("1.3.20") }, false)
  );
  assertStringIncludes(
    error.message,
    "the target http://t:9200 runs OpenSearch 1.3.20, older than the source http://s:9200 " +
      "(OpenSearch 2.19.6)",
  );
  assertStringIncludes(error.hint!, "--allow-older-target");
  assertStringIncludes(error.hint!, "wrong way round");
  checkTargetNotOlder(urls, { source: os("2.19.6"), target: os("1.3.20") }, true);
});

function doc(id: string, size = 10): SourceDocument {
  return { id, source: { text: "x".repeat(size) }, seqNo: 0 };
}

Deno.test("writer: a 413 splits the batch in halves; a document too large alone is dead-lettered", async () => {
  const directory = await Deno.makeTempDir();
  try {
    // The target takes requests without "big"; any request holding it is too large.
    const sent: string[][] = [];
    const { client } = scriptedTarget((ids) => {
      sent.push(ids);
      return ids.includes("big")
        ? { status: 413, body: "" }
        : { status: 200, body: { items: ids.map(() => ({ index: { status: 201 } })) } };
    });
    const deadLetters = new DeadLetterFile(`${directory}/dead.ndjson`);
    const writer = new BulkWriter(client, {
      concurrency: 2,
      batchBytes: 1 << 20,
      maxAttempts: 3,
      deadLetters,
    });
    const documents = ["a", "b", "c", "big", "d", "e", "f"].map((id) => doc(id));
    const outcome = await writer.write("i", documents);
    deadLetters.close();
    assertEquals(outcome, { written: 6, deadLettered: 1 });
    assertEquals(writer.stats.written, 6);
    assertEquals(writer.stats.deadLetterReasons, { "413 request_entity_too_large": 1 });
    // Not push-back: the pace is left alone, and nothing counts as retried.
    assertEquals(writer.stats.retried, 0);
    assertEquals(writer.stats.requestFailures, 0);
    assertEquals(writer.stats.inFlight, 0);
    assertEquals(writer.stats.queued, 0);
    // All, then halves down to "big" alone (sent once: a retry could not make it smaller).
    assertEquals(sent.filter((ids) => ids.length === 1 && ids[0] === "big").length, 1);
    assertEquals(sent[0], ["a", "b", "c", "big", "d", "e", "f"]);
    const letters = (await Deno.readTextFile(`${directory}/dead.ndjson`)).trim().split("\n");
    assertEquals(letters.length, 1);
    const letter = JSON.parse(letters[0]);
    assertEquals([letter.index, letter.id, letter.status], ["i", "big", 413]);
    assertStringIncludes(letter.reason, "http.max_content_length");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("writer: the 413 reason gives the document's size and the limit to raise", () => {
  assertEquals(
    tooLargeReason(11 * 1024 * 1024 + 100),
    "413 Request Entity Too Large: this document alone makes a bulk request of 11.0 MB, more " +
      "than the target accepts (its http.max_content_length, or the limit of a proxy in front " +
      "of it)",
  );
  assertStringIncludes(tooLargeReason(2048), "2 KB");
});
