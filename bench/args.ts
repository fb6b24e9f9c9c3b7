/**
 * Flags of the bench scripts, read with Node's `parseArgs` (`--name value`, `--name=value`,
 * bare booleans; anything undeclared is refused), plus the count syntax the bench takes.
 */
import { parseArgs } from "node:util";

/** Parsed flags: a string value, or `true` for a bare flag. */
export type Flags = Record<string, string | boolean | undefined>;

/**
 * Reads `args`: `strings` take a value, `booleans` never do. Throws (with Node's message) on an
 * undeclared flag, a stray positional argument, or a value-taking flag without its value.
 */
export function parseFlags(args: string[], strings: string[], booleans: string[] = []): Flags {
  const options = Object.fromEntries([
    ...strings.map((name) => [name, { type: "string" as const }]),
    ...booleans.map((name) => [name, { type: "boolean" as const }]),
  ]);
  return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Flags;
}

/** A flag's string value, or `fallback`. */
export function stringFlag(flags: Flags, name: string, fallback: string): string;
export function stringFlag(flags: Flags, name: string): string | undefined;
export function stringFlag(flags: Flags, name: string, fallback?: string): string | undefined {
  const value = flags[name];
  if (typeof value === "boolean") throw new Error(`--${name} needs a value`);
  return value ?? fallback;
}

/** A flag as a whole number ≥ `min` (`1_000_000`, `1e6` and `1m` style `100k` accepted). */
export function countFlag(flags: Flags, name: string, fallback: number, min = 0): number {
  const text = stringFlag(flags, name);
  if (text === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([km]?)$/i.exec(text.replaceAll("_", "").trim());
  const factor = { "": 1, k: 1000, m: 1_000_000 }[match?.[2]?.toLowerCase() ?? ""] ?? 1;
  const value = match ? Number(match[1]) * factor : NaN;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`--${name} expects a whole number of at least ${min}, got "${text}"`);
  }
  return value;
}
