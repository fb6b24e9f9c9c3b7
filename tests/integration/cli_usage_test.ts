/** The command line itself: help, version and usage errors, with the exit codes of docs/architecture.md. */
import { assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { VERSION } from "../../src/version.ts";
import { runCli } from "./scene.ts";

Deno.test("--version prints the version and exits 0", async () => {
  const run = await runCli(["--version"]);
  assertEquals(run.code, 0);
  assertEquals(run.stdout.trim(), VERSION);
});

Deno.test("--help lists the commands and the exit codes", async () => {
  const run = await runCli(["--help"]);
  assertEquals(run.code, 0);
  assertStringIncludes(run.stdout, "info");
  assertStringIncludes(run.stdout, "Exit codes");
});

Deno.test("info --help lists the endpoint options and offers no password flag", async () => {
  const run = await runCli(["info", "--help"]);
  assertEquals(run.code, 0);
  for (
    const flag of ["--pipeline", "--source", "--target", "--target-ca", "--insecure", "--json"]
  ) {
    assertStringIncludes(run.stdout, flag);
  }
  assertEquals(/--\S*password(?!-file)/.test(run.stdout), false);
});

Deno.test("an unknown command or option exits 2", async () => {
  assertEquals((await runCli(["no-such-command"])).code, 2);
  const run = await runCli(["info", "--no-such-option"]);
  assertEquals(run.code, 2);
  assertMatch(run.stderr, /unknown option/);
});

Deno.test("info without endpoints exits 2 and says what to pass", async () => {
  const run = await runCli(["info"]);
  assertEquals(run.code, 2);
  assertStringIncludes(run.stderr, "--pipeline");
  assertStringIncludes(run.stderr, "--source");
});
