/** `deno task coverage`'s sums: lines per top folder of src/, read off lcov. */
import { assertEquals } from "../assert.ts";
import { linesPerFile, perFolder } from "../harness/coverage.ts";

const LCOV = `SF:/repo/src/main.ts
LF:10
LH:5
end_of_record
SF:/repo/src/sync/passes.ts
LF:100
LH:25
end_of_record
SF:/repo/src/sync/lag.ts
LF:20
LH:20
end_of_record
SF:/repo/tests/harness/shell.ts
LF:7
LH:7
end_of_record
`;

Deno.test("lcov's lines are summed per top folder of src/, files right in src/ apart", () => {
  const files = linesPerFile(LCOV);
  assertEquals([...files.keys()], ["main.ts", "sync/passes.ts", "sync/lag.ts"]);
  assertEquals(files.get("sync/lag.ts"), { found: 20, hit: 20 });
  assertEquals(perFolder(files).split("\n"), [
    "folder          lines",
    "src/*.ts       50.0 %       5 of     10 lines  1 file",
    "sync/          37.5 %      45 of    120 lines  2 files",
    "all of src/    38.5 %      50 of    130 lines  3 files",
  ]);
});
