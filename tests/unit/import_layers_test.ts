/** The import-direction check of `deno task check` (.ci/check_imports.ts), on made-up graphs and on src/. */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { importCycles, importGraph, importsOf, layerViolations } from "../../.ci/check_imports.ts";

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

Deno.test("layers: imports down the folder order, within a folder and of shared modules pass", () => {
  assertEquals(
    layerViolations(graph({
      "cli/run.ts": ["launch/run.ts", "errors.ts", "cli/output.ts"],
      "launch/run.ts": ["migrate/run.ts", "backfill/writer.ts", "dataprepper/engine.ts"],
      "journal/journal.ts": ["cluster/client.ts", "fs.ts"],
      "metadata/transform/rules/a.ts": ["metadata/types.ts"],
      "text.ts": ["deps.ts"],
      "main.ts": ["cli/program.ts"],
    })),
    [],
  );
});

Deno.test("layers: an import up the order is refused, naming both files and the order", () => {
  const problems = layerViolations(graph({ "journal/rollback.ts": ["metadata/paths.ts"] }));
  assertEquals(problems.length, 1);
  assertStringIncludes(
    problems[0],
    "src/journal/rollback.ts imports src/metadata/paths.ts: metadata is above journal",
  );
});

Deno.test("layers: folders of one rank do not import each other; shared modules import nothing", () => {
  const problems = layerViolations(graph({
    "dataprepper/split.ts": ["backfill/metrics-text.ts"],
    "errors.ts": ["cluster/errors.ts"],
    "widgets/x.ts": [],
  }));
  assertEquals(problems.length, 3);
  assertStringIncludes(problems[0], "dataprepper and backfill are of one rank");
  assertStringIncludes(problems[1], "src/errors.ts imports src/cluster/errors.ts");
  assertStringIncludes(problems[2], "src/widgets/ is not in the layer order");
});

Deno.test("layers: every form of import is read, and cycles are found", () => {
  assertEquals(
    importsOf(
      "sync/x.ts",
      'import { a } from "../cli/a.ts";\nimport "./b.ts";\nexport * from "../c.ts";\n' +
        'const d = await import("../launch/d.ts");',
    ),
    ["cli/a.ts", "sync/b.ts", "c.ts", "launch/d.ts"],
  );
  assertEquals(importCycles(graph({ "a/x.ts": ["a/y.ts"], "a/y.ts": ["a/x.ts"] })), [
    "import cycle: src/a/x.ts -> src/a/y.ts -> src/a/x.ts",
  ]);
});

Deno.test("layers: src/ as it stands passes the check", async () => {
  const tree = await importGraph(new URL("../../src/", import.meta.url));
  assertEquals([...layerViolations(tree), ...importCycles(tree)], []);
});
