/**
 * Every way the tool is started carries the same V8 flags (src/v8-flags.ts): `deno task start`
 * and `deno task compile`, the binaries of `compile:all`, both container images' entry points and
 * the README's `deno run`/`deno install` lines. One left without them runs with about 50 MiB more.
 */
import { assert, assertEquals } from "../assert.ts";
import { V8_FLAGS_ARGUMENT } from "../../src/v8-flags.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, ROOT));

Deno.test("deno task start and compile carry the V8 flags", () => {
  const { tasks } = JSON.parse(read("deno.json")) as { tasks: Record<string, string> };
  for (const task of ["start", "compile"]) {
    assert(tasks[task].split(" ").includes(V8_FLAGS_ARGUMENT), `${task}: ${tasks[task]}`);
  }
  assert(read(".ci/compile.ts").includes("V8_FLAGS_ARGUMENT"), "compile:all");
});

Deno.test("both images' entry points carry the V8 flags", () => {
  const entryPoints = read("Dockerfile").split("\n").filter((line) =>
    line.startsWith("ENTRYPOINT")
  );
  assertEquals(entryPoints.length, 2);
  for (const line of entryPoints) assert(line.includes(`"${V8_FLAGS_ARGUMENT}"`), line);
});

Deno.test("the README's deno run and deno install lines carry the V8 flags", () => {
  const lines = read("README.md").split("\n").filter((line) =>
    /^deno (run|install) .*main\.ts/.test(line)
  );
  assert(lines.length >= 2, "the README's install lines");
  for (const line of lines) assert(line.split(" ").includes(V8_FLAGS_ARGUMENT), line);
});
