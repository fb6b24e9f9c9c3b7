/** Runs the real CLI in a child process, as an operator would, and captures what it printed. */

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/**
 * The journals of runs without `--journal` go to this test process's own state directory, never
 * the developer's (`XDG_STATE_HOME`, which a test's `env` may set to its own).
 */
export const TEST_STATE_HOME = Deno.makeTempDirSync({ prefix: "fm-state-" });

/** Exit code and output of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `fetch-migration <args>` from source. `env` is added to a clean environment holding only
 * PATH and HOME, so a variable of the developer's shell never changes what a test sees.
 */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliRun> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      NO_COLOR: "1",
      XDG_STATE_HOME: TEST_STATE_HOME,
      ...options.env,
    },
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
