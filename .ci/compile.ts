/**
 * `deno task compile:all`: one binary per platform in dist/ (`deno compile --target`). Deno
 * downloads each platform's runtime (`denort`) from its own host the first time, or takes
 * `DENORT_BIN` (a runtime for the host only) when it is set. Exits non-zero naming the first
 * target that failed and why.
 */
import { V8_FLAGS_ARGUMENT } from "../src/v8-flags.ts";

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];
const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const DIST = new URL("../dist/", import.meta.url).pathname;

for (const target of TARGETS) {
  const output = `${DIST}fetch-migration-${target}${target.includes("windows") ? ".exe" : ""}`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-A", V8_FLAGS_ARGUMENT, "--target", target, "--output", output, MAIN],
    stdout: "inherit",
    stderr: "piped",
    // Plain text: the reason is read off it.
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
  }).output();
  if (!result.success) {
    const text = new TextDecoder().decode(result.stderr);
    const cause = text.split("\n").find((line) => /^\s+\d+: /.test(line))?.trim() ??
      text.trim().split("\n")[0];
    console.error(`compile for ${target} failed: ${cause}`);
    Deno.exit(1);
  }
  console.error(`built ${output}`);
}
