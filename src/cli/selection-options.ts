import type { Command } from "../deps.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import type { PlanOptions } from "../metadata/types.ts";

/** Selection flags as commander hands them over. */
export interface SelectionOptionValues {
  include?: string[];
  exclude?: string[];
  allowRed?: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `--include`, `--exclude` (repeatable globs) and `--allow-red`. */
export function addSelectionOptions(command: Command): Command {
  return command
    .option("--include <glob>", "migrate only indices matching this glob (repeatable)", collect)
    .option("--exclude <glob>", "leave out indices matching this glob (repeatable)", collect)
    .option("--allow-red", "migrate red indices too (skipped and listed by default)");
}

/** Plan options from the flags plus the pipeline file's `indices.include/exclude` regexes. */
export function planOptions(
  values: SelectionOptionValues,
  endpoints: MigrationEndpoints,
): PlanOptions {
  return {
    include: values.include ?? [],
    exclude: values.exclude ?? [],
    includeRegex: endpoints.selection.include,
    excludeRegex: endpoints.selection.exclude,
    allowRed: !!values.allowRed,
  };
}
