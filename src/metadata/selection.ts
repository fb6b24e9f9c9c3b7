/**
 * Which index names the options select: `--include`/`--exclude` globs and a pipeline's
 * `index_name_regex` entries. Pure.
 */
import type { PlanOptions } from "./types.ts";

/** `logs-*` → /^logs-.*$/: `*` any run of characters, `?` one character, the rest literal. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((char) =>
    char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")
  ).join("");
  return new RegExp(`^${body}$`, "s");
}

/**
 * A Data Prepper `index_name_regex` is a Java regex that must match the whole name
 * (`Matcher.matches()`), not a part of it. The common syntax is the same in JavaScript.
 */
export function fullMatchRegExp(regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`, "u");
  } catch {
    // Java accepts escapes (`\-`, `\_`) that JavaScript's unicode mode refuses.
    try {
      return new RegExp(`^(?:${regex})$`);
    } catch (error) {
      throw new Error(
        `index_name_regex ${JSON.stringify(regex)} is not a valid regular expression: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
}

/** Compiled selection, so thousands of names do not recompile the patterns. */
export interface Selector {
  (name: string): boolean;
}

/**
 * A name is taken when it matches an include (any glob or regex; everything when there is
 * none) and no exclude. Excludes win.
 */
export function selector(options: PlanOptions): Selector {
  const includes = [
    ...options.include.map(globToRegExp),
    ...options.includeRegex.map(fullMatchRegExp),
  ];
  const excludes = [
    ...options.exclude.map(globToRegExp),
    ...options.excludeRegex.map(fullMatchRegExp),
  ];
  return (name) =>
    (includes.length === 0 || includes.some((pattern) => pattern.test(name))) &&
    !excludes.some((pattern) => pattern.test(name));
}

/** Whether the options select this index name (one-off form of {@link selector}). */
export function isSelected(name: string, options: PlanOptions): boolean {
  return selector(options)(name);
}
