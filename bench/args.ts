/** A small `--name value` / `--name=value` / `--flag` parser (no new dependency, no lock churn). */

/** Parsed flags: a string value, or `true` for a bare flag. */
export type Flags = Record<string, string | true>;

/**
 * Reads `args`; `booleans` never take a value. Throws on a stray positional argument or a
 * value-taking flag without its value.
 */
export function parseFlags(args: string[], booleans: string[] = []): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument "${arg}"`);
    const equals = arg.indexOf("=");
    if (equals > 0) {
      flags[arg.slice(2, equals)] = arg.slice(equals + 1);
      continue;
    }
    const name = arg.slice(2);
    if (booleans.includes(name)) {
      flags[name] = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
    flags[name] = value;
    i++;
  }
  return flags;
}

/** A flag's string value, or `fallback`. */
export function stringFlag(flags: Flags, name: string, fallback: string): string;
export function stringFlag(flags: Flags, name: string): string | undefined;
export function stringFlag(flags: Flags, name: string, fallback?: string): string | undefined {
  const value = flags[name];
  if (value === true) throw new Error(`--${name} needs a value`);
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
