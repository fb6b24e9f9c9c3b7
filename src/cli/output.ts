/**
 * Where command output goes: the machine-readable result alone on stdout (`--json`),
 * human text and progress on stderr, so `fetch-migration plan --json > plan.json` just works.
 *
 * Human text is of two kinds: {@link printHuman} for what must always be seen (errors, warnings,
 * a report the command was asked for, a question) and {@link printSummary} for summaries a
 * script can do without ("created 3 on the target", "verification passed"), which `-q` hides.
 */

const encoder = new TextEncoder();

let quiet = false;

/** Set once from `-q/--quiet` before a command runs: summaries are then left out. */
export function setQuiet(value: boolean): void {
  quiet = value;
}

/** Whether `-q/--quiet` is in force: progress lines are left out too. */
export function isQuiet(): boolean {
  return quiet;
}

let verbose = false;

/** Set once from `-v/--verbose`: reports then show every section, empty ones too. */
export function setVerbose(value: boolean): void {
  verbose = value;
}

/** Whether `-v/--verbose` is in force. */
export function isVerbose(): boolean {
  return verbose;
}

/** Writes human-readable lines to stderr, whatever `-q` says: errors, warnings, asked reports. */
export function printHuman(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text.endsWith("\n") ? text : text + "\n"));
}

/** Writes a summary to stderr, unless `-q/--quiet` is in force. */
export function printSummary(text: string): void {
  if (!quiet) printHuman(text);
}

/** Writes one JSON document to stdout. */
export function printJson(value: unknown): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(value, null, 2) + "\n"));
}

/**
 * Asks a question on stderr and reads one line of the answer from stdin (for a terminal: the
 * caller checks `Deno.stdin.isTerminal()` first). End of input is an empty answer.
 */
export async function askHuman(question: string): Promise<string> {
  Deno.stderr.writeSync(encoder.encode(question));
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(256);
  let text = "";
  while (!text.includes("\n")) {
    const read = await Deno.stdin.read(buffer);
    if (read === null) break;
    text += decoder.decode(buffer.subarray(0, read), { stream: true });
  }
  return text.split("\n")[0].trim();
}
