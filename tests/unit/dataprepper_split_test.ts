/** `plan --split N --out DIR`, its pure parts: the files' texts, and which directories it takes. */
import { assert, assertEquals, assertStringIncludes, assertThrows } from "../assert.ts";
import type { ClusterInfo } from "../../src/cluster/version.ts";
import { parsePipelineYaml } from "../../src/config/pipeline.ts";
import { parseYaml } from "../../src/deps.ts";
import {
  checkSplitDirectory,
  isOurPipelineFile,
  splitPipelineFiles,
} from "../../src/dataprepper/split.ts";
import { BadInputError } from "../../src/errors.ts";

const ES7: ClusterInfo = {
  distribution: "elasticsearch",
  version: "7.10.2",
  major: 7,
  minor: 10,
  patch: 2,
  clusterName: "source",
  buildFlavor: "default",
};

const PIPELINE = `# ours to keep
migration:
  source:
    opensearch:
      hosts: ["https://source:9200"]
      username: reader
      password: source-secret
  sink:
    - opensearch:
        hosts: ["https://target:9200"]
        username: writer
        password: target-secret
`;

const INDICES = { logs: 9000, orders: 5000, users: 3000, empty: 0 };

function split(count: number, indices: Record<string, number> = INDICES) {
  return splitPipelineFiles({
    original: { text: PIPELINE, origin: "/in/pipeline.yaml" },
    pipelineName: "migration",
    indices,
    source: ES7,
    directory: "/out/split/",
    count,
  });
}

Deno.test("split: N files of one pipeline each, disjoint index sets balanced by size, dead letters in DIR", () => {
  const { files, note } = split(3);
  assertEquals(note, undefined);
  assertEquals(files.map(({ file }) => file), [
    "pipeline-1.yaml",
    "pipeline-2.yaml",
    "pipeline-3.yaml",
  ]);
  assertEquals(files.map(({ pipeline }) => pipeline.indices), [
    ["logs"],
    ["orders"],
    ["empty", "users"],
  ]);
  assertEquals(files.map(({ pipeline }) => pipeline.documents), [9000, 5000, 3000]);
  for (const [i, { text, pipeline }] of files.entries()) {
    assert(isOurPipelineFile(text), "the header says whose it is");
    assertStringIncludes(text, "# ours to keep", "the user's comments are kept");
    const yaml = parseYaml(text) as Record<string, unknown>;
    assertEquals(Object.keys(yaml), [`migration-${i + 1}`], "one pipeline per file");
    assertEquals(pipeline.name, `migration-${i + 1}`);
    assertEquals(pipeline.dlqFile, `/out/split/dlq-${i + 1}.ndjson`);
    // Each file reads back as a pipeline selecting exactly its own indices.
    const parsed = parsePipelineYaml(text, pipeline.name);
    assertEquals(parsed.selection.include.length, pipeline.indices.length);
  }
});

Deno.test("split: N is capped at the number of indices, with a note; no index is bad input", () => {
  const { files, note } = split(6);
  assertEquals(files.length, 4);
  assertStringIncludes(note!, "--split 6 capped at 4: there are 4 indices to copy");
  assertStringIncludes(split(2, { only: 5 }).note!, "there is 1 index to copy");
  assertStringIncludes(assertThrows(() => split(2, {}), BadInputError).message, "nothing to split");
  assertThrows(() => split(0), BadInputError);
});

Deno.test("split: a directory is taken when empty or holding only an earlier split's files of ours", () => {
  assertEquals(checkSplitDirectory("/d", []), []);
  assertEquals(
    checkSplitDirectory("/d", [
      { name: "pipeline-2.yaml", isFile: true, ours: true },
      { name: "pipeline-1.yaml", isFile: true, ours: true },
    ]),
    ["pipeline-1.yaml", "pipeline-2.yaml"],
  );
  const foreign = assertThrows(
    () =>
      checkSplitDirectory("/d", [
        { name: "pipeline-1.yaml", isFile: true, ours: true },
        { name: "pipeline-2.yaml", isFile: true, ours: false },
        { name: "notes.txt", isFile: true },
        { name: "dlq-1.ndjson", isFile: true },
        { name: "pipeline-3.yaml", isFile: false },
      ]),
    BadInputError,
  );
  assertStringIncludes(
    foreign.message,
    "dlq-1.ndjson, notes.txt, pipeline-2.yaml, pipeline-3.yaml",
  );
  assertStringIncludes(foreign.message, "dlq-1.ndjson holds documents a target refused");
  assertStringIncludes(foreign.hint!, "give --out a new or empty directory");
  assert(!isOurPipelineFile("migration:\n  source: {}\n"));
});
