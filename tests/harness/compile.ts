/**
 * `deno compile` for the tests, and whether it can work here at all: it needs the Deno runtime
 * of the platform (`denort`), which it downloads from Deno's own host (dl.deno.land) the first
 * time, or takes from `DENORT_BIN`. A machine that cannot reach that host cannot compile; that
 * is the one failure a test may report as "not run" rather than fail.
 */

/** What `deno compile` printed, and whether it made the binary. */
export interface Compiled {
  success: boolean;
  output: string;
}

/** `deno compile -A <extra> --output <binary> <entry>`, five minutes at most. */
export async function denoCompile(
  entry: string,
  binary: string,
  extra: string[] = [],
): Promise<Compiled> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["compile", "-A", ...extra, "--output", binary, entry],
    stdout: "piped",
    stderr: "piped",
    // Plain text: the reason is read off it.
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    signal: AbortSignal.timeout(300_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    success: output.success,
    output: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/**
 * Why `deno compile` failed, when the failure is the runtime's download: the request for denort
 * at dl.deno.land got no answer (no DNS, no route, refused, timed out). Undefined for any other
 * failure, which is a real one.
 */
export function runtimeUnreachable(output: string): string | undefined {
  const lines = output.split("\n");
  const request = lines.find((line) =>
    /error sending request for url \(https:\/\/dl\.deno\.land\/\S*denort/.test(line)
  );
  if (!request) return undefined;
  // Under "Caused by:" Deno lists the causes outermost first ("0: Setting up base binary.",
  // ... "4: failed to lookup address information: ..."): the last is what went wrong.
  const start = lines.findIndex((line) => line.startsWith("Caused by:"));
  const causes: string[] = [];
  for (const line of start < 0 ? [] : lines.slice(start + 1)) {
    const listed = /^\s+\d+: (.*)$/.exec(line);
    if (!listed) break;
    causes.push(listed[1]);
  }
  const cause = causes.at(-1) ?? request.trim();
  return `deno compile cannot download the Deno runtime (denort) from dl.deno.land here ` +
    `(${cause}); set DENORT_BIN to a denort binary to run it`;
}

/**
 * Whether `deno compile` can get the runtime here, cheaply: yes with `DENORT_BIN`; else the
 * compile of a one-line file says (where the host answers, it downloads and caches denort for
 * the compiles after it). Returns the reason it cannot, or undefined: any failure other than the
 * download is left to the real compile, to fail there with its output.
 */
export async function runtimeMissing(): Promise<string | undefined> {
  if (Deno.env.get("DENORT_BIN")) return undefined;
  const dir = await Deno.makeTempDir({ prefix: "fm-compile-probe-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, "console.log(1);\n");
    const probe = await denoCompile(`${dir}/probe.ts`, `${dir}/probe`, ["--no-check"]);
    return probe.success ? undefined : runtimeUnreachable(probe.output);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
