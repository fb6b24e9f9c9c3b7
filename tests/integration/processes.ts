/**
 * Our CLI as a background process a test can kill, and waits on what its journal says, for the
 * tests that stop a run part way (kill -9, SIGINT, a second run beside it).
 */
import { assert } from "../assert.ts";
import { TEST_STATE_HOME } from "./cli.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Starts `fetch-migration <args>` in the background, with the clean environment of runCli. */
export function spawnCli(
  args: string[],
  options: { stderr?: "null" | "piped"; env?: Record<string, string> } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/root",
      NO_COLOR: "1",
      XDG_STATE_HOME: TEST_STATE_HOME,
      ...options.env,
    },
    stdout: "null",
    stderr: options.stderr ?? "null",
  }).spawn();
}

/** The journal's content, or undefined while it is not written (or between two writes). */
export async function readJournal(path: string): Promise<Record<string, unknown> | undefined> {
  return await Deno.readTextFile(path).then(JSON.parse).catch(() => undefined);
}

/** Documents the journal's checkpoints count as copied. */
export function copiedIn(journal: Record<string, unknown> | undefined): number {
  const units = (journal?.backfill as { units?: Array<{ copied: number }> } | undefined)?.units;
  return (units ?? []).reduce((sum, unit) => sum + unit.copied, 0);
}

/** Waits until `ready(journal)` holds (60 s at most); fails naming `what` otherwise. */
export async function waitForJournal(
  path: string,
  what: string,
  ready: (journal: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const journal = await readJournal(path);
    if (journal && ready(journal)) return journal;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert(false, `waited 60 s for the journal ${path} to show ${what}`);
  throw new Error("unreachable");
}
