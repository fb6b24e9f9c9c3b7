/**
 * The single binary: `deno compile` of src/main.ts, then the binary's `--version` and `info`.
 * `deno compile` needs the Deno runtime for the platform (`denort`), which it downloads from
 * Deno's own host or takes from `DENORT_BIN`; where neither can be had, the test is reported as
 * not run, with the reason, and never counts as passed.
 */
import { assertEquals } from "../assert.ts";
import { ensureNodes } from "../harness/mod.ts";
import { VERSION } from "../../src/version.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Compiles once, before the test is declared: the outcome decides whether it can run. */
async function compile(): Promise<{ binary: string } | { reason: string }> {
  const dir = await Deno.makeTempDir();
  const binary = `${dir}/fetch-migration`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-A", "--output", binary, MAIN],
    stdout: "piped",
    stderr: "piped",
    // Plain text: the reason is read off it.
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    signal: AbortSignal.timeout(300_000),
  }).output();
  if (output.success) return { binary };
  const text = new TextDecoder().decode(output.stderr);
  const cause = text.split("\n").find((line) => /^\s+1: /.test(line))?.replace(/^\s+1: /, "") ??
    text.trim().split("\n")[0];
  return { reason: `deno compile cannot get the Deno runtime here (${cause}); set DENORT_BIN` };
}

const compiled = await compile();
if ("reason" in compiled) console.log(`not run: ${compiled.reason}`);

Deno.test({
  name: "deno compile builds one binary that runs --version and info" +
    ("reason" in compiled ? ` (not run: ${compiled.reason})` : ""),
  ignore: "reason" in compiled,
  fn: async () => {
    if (!("binary" in compiled)) return;
    const { es7, os2 } = await ensureNodes(["es7", "os2"]);
    const run = async (args: string[]) => {
      const output = await new Deno.Command(compiled.binary, {
        args,
        stdout: "piped",
        stderr: "piped",
      })
        .output();
      return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
    };
    const version = await run(["--version"]);
    assertEquals(version.stdout.trim(), VERSION);
    const info = await run(["info", "--source", es7.url, "--target", os2.url, "--json"]);
    assertEquals(info.code, 0);
  },
});
