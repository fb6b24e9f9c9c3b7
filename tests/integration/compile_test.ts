/**
 * The single binary: `deno compile` of src/main.ts, then the binary's `--version` and `info`.
 * Where the Deno runtime (`denort`) cannot be downloaded from dl.deno.land and `DENORT_BIN` is
 * not set, the test is reported as not run, with the reason, and never counts as passed; any
 * other failure of `deno compile` fails it, with what the compiler printed.
 *
 * Whether it can run is decided when the test is declared (deno test then counts it as ignored)
 * by a cheap probe (tests/harness/compile.ts); src/main.ts is compiled inside the test, only when
 * the test runs.
 */
import { V8_FLAGS_ARGUMENT } from "../../src/v8-flags.ts";
import { assert, assertEquals } from "../assert.ts";
import { denoCompile, runtimeMissing } from "../harness/compile.ts";
import { VERSION } from "../../src/version.ts";
import { ensureNodes } from "./scene.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

const missing = await runtimeMissing();
if (missing) console.log(`not run: ${missing}`);

Deno.test({
  name: "deno compile builds one binary that runs --version and info" +
    (missing ? ` (not run: ${missing})` : ""),
  ignore: missing !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "fm-compile-" });
    try {
      const binary = `${dir}/fetch-migration`;
      const compiled = await denoCompile(MAIN, binary, [V8_FLAGS_ARGUMENT]);
      assert(compiled.success, `deno compile of src/main.ts failed:\n${compiled.output}`);
      const { es7, os2 } = await ensureNodes(["es7", "os2"]);
      const run = async (args: string[]) => {
        const output = await new Deno.Command(binary, { args, stdout: "piped", stderr: "piped" })
          .output();
        return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
      };
      const version = await run(["--version"]);
      assertEquals(version.stdout.trim(), VERSION);
      const info = await run(["info", "--source", es7.url, "--target", os2.url, "--json"]);
      assertEquals(info.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
