/**
 * Which index names the options select: `--include`/`--exclude` globs and a pipeline's
 * `index_name_regex` entries. Flags narrow what the pipeline selects, never widen it. Pure.
 */
import { editDistance } from "../deps.ts";
import { BadInputError, messageOf } from "../errors.ts";
import type { IndexSelection } from "../config/types.ts";
import type { PipelineMode, PlanOptions, TemplateMode } from "./types.ts";

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
      throw new BadInputError(
        `index_name_regex ${JSON.stringify(regex)} is not a valid regular expression: ${
          messageOf(error)
        }`,
        "fix it in the pipeline's indices.include/exclude (a Java regex matching whole names)",
      );
    }
  }
}

/** Compiled selection, so thousands of names do not recompile the patterns. */
export interface Selector {
  (name: string): boolean;
}

/**
 * A name is taken when it matches an `--include` glob (if any), a pipeline include regex (if
 * any), and no exclude of either kind. So `--include` on a pipeline that selects indices keeps
 * only the names both select.
 */
export function selector(options: PlanOptions): Selector {
  const globs = options.include.map(globToRegExp);
  const regexes = options.includeRegex.map(fullMatchRegExp);
  const excludes = [
    ...options.exclude.map(globToRegExp),
    ...options.excludeRegex.map(fullMatchRegExp),
  ];
  const anyOf = (patterns: RegExp[], name: string) =>
    patterns.length === 0 || patterns.some((pattern) => pattern.test(name));
  return (name) =>
    anyOf(globs, name) && anyOf(regexes, name) && !excludes.some((pattern) => pattern.test(name));
}

/** Whether the options select this index name (one-off form of {@link selector}). */
export function isSelected(name: string, options: PlanOptions): boolean {
  return selector(options)(name);
}

/** An include pattern that matches no index, with the names closest to it. */
export interface UnmatchedPattern {
  /** As the user wrote it: `--include GLOB` or `index_name_regex: REGEX`. */
  pattern: string;
  closest: string[];
}

/**
 * Include patterns (globs and regexes alike) that match none of `names`: a typo would otherwise
 * select nothing and "succeed". Each comes with up to three of the closest names.
 */
export function unmatchedIncludes(
  options: PlanOptions,
  names: readonly string[],
): UnmatchedPattern[] {
  const patterns = [
    ...options.include.map((glob) => ({
      text: `--include ${glob}`,
      bare: glob,
      regex: globToRegExp(glob),
    })),
    ...options.includeRegex.map((regex) => ({
      text: `index_name_regex: ${regex}`,
      bare: regex,
      regex: fullMatchRegExp(regex),
    })),
  ];
  return patterns
    .filter(({ regex }) => !names.some((name) => regex.test(name)))
    .map(({ text, bare }) => ({ pattern: text, closest: closestNames(bare, names) }));
}

/** Up to `count` names nearest to a pattern (its wildcards and escapes ignored). */
export function closestNames(pattern: string, names: readonly string[], count = 3): string[] {
  const stem = pattern.replace(/[*?\\^$()[\]{}|+]/g, "").replace(/\.\*/g, "");
  return [...names]
    .map((name) => ({
      name,
      distance: editDistance(stem, name.slice(0, Math.max(stem.length, 1))) +
        editDistance(stem, name) / 100,
    }))
    .sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1))
    .slice(0, count)
    .map(({ name }) => name);
}

/** The selection flags of a command, as given (`--include`, `--exclude`, `--allow-red`...). */
export interface SelectionFlags {
  include?: string[];
  exclude?: string[];
  allowRed?: boolean;
  includeHidden?: boolean;
  templates?: TemplateMode;
  ingestPipelines?: PipelineMode;
}

/** Plan options from the flags plus the pipeline file's `indices.include/exclude` regexes. */
export function planOptions(
  flags: SelectionFlags,
  endpoints: { selection: IndexSelection },
): PlanOptions {
  for (const flag of ["include", "exclude"] as const) {
    if ((flags[flag] ?? []).some((pattern) => pattern === "")) {
      throw new BadInputError(
        `--${flag} was given an empty pattern (${JSON.stringify(flags[flag]!.join(","))}): an ` +
          `unset variable in a script, or a stray comma, would otherwise ${
            flag === "include" ? "select every index" : "exclude nothing"
          }`,
        `give --${flag} a glob (e.g. --${flag} 'logs-*'), or leave the flag out`,
      );
    }
  }
  return {
    include: flags.include ?? [],
    exclude: flags.exclude ?? [],
    includeRegex: endpoints.selection.include,
    excludeRegex: endpoints.selection.exclude,
    allowRed: !!flags.allowRed,
    includeHidden: !!flags.includeHidden,
    templates: flags.templates ?? "matching",
    ingestPipelines: flags.ingestPipelines ?? "referenced",
  };
}
