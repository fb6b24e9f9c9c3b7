/**
 * Where command output goes. DESIGN.md: the machine-readable result alone on stdout (`--json`),
 * human text and progress on stderr, so `fetch-migration plan --json > plan.json` just works.
 */

const encoder = new TextEncoder();

/** Writes human-readable lines to stderr. */
export function printHuman(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text.endsWith("\n") ? text : text + "\n"));
}

/** Writes one JSON document to stdout. */
export function printJson(value: unknown): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(value, null, 2) + "\n"));
}
