import { type Command, Option } from "../deps.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import type { PlanOptions, TemplateMode } from "../metadata/types.ts";
import { TEMPLATE_MODES } from "../metadata/template-selection.ts";

/** Selection flags as commander hands them over. */
export interface SelectionOptionValues {
  include?: string[];
  exclude?: string[];
  allowRed?: boolean;
  templates?: TemplateMode;
}

/** Repeatable, and each value may be a comma list (index names cannot hold a comma). */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(",").map((part) => part.trim()).filter(Boolean)];
}

/**
 * Adds `--include`, `--exclude` (repeatable globs), `--allow-red` and, for the commands that
 * create or plan templates, `--templates`.
 */
export function addSelectionOptions(command: Command, { templates = true } = {}): Command {
  command
    .option(
      "--include <glob>",
      "migrate only indices matching this glob (repeatable, or a comma list); narrows a " +
        "pipeline's indices.include",
      collect,
    )
    .option(
      "--exclude <glob>",
      "leave out indices matching this glob (repeatable, or a comma list)",
      collect,
    );
  if (templates) {
    command.addOption(
      new Option(
        "--templates <which>",
        "templates to migrate: matching (those whose patterns can match a selected index, or " +
          "whose name is selected, and the component templates they compose), all, or none",
      ).choices(TEMPLATE_MODES).default("matching"),
    );
  }
  return command.option("--allow-red", "migrate red indices too (skipped and listed by default)");
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
    templates: values.templates ?? "matching",
  };
}
