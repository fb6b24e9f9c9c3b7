/**
 * `_source` with `includes` or `excludes`: the source keeps only part of each document's JSON,
 * and what it does not keep cannot be read back, so it cannot be copied. The mapping migrates as
 * it is (the target filters the same way); this rule changes nothing but names, in the plan, the
 * fields whose values stay behind (searchable on the source, absent on the target).
 */
import { isRecord } from "../../normalize.ts";
import type { DefinitionRule } from "../rule.ts";

/** The rule `name-source-filtering`. */
export const nameSourceFiltering: DefinitionRule = {
  id: "name-source-filtering",
  description: "`_source` includes/excludes are named: fields the source does not keep in " +
    "`_source` cannot be copied",
  appliesTo: () => true,
  apply(definition) {
    const source = definition.mappings._source;
    if (!isRecord(source)) return { value: definition, changes: [] };
    const list = (key: "includes" | "excludes") =>
      Array.isArray(source[key]) && source[key].length > 0
        ? [`${key} ${JSON.stringify(source[key])}`]
        : [];
    const filters = [...list("includes"), ...list("excludes")];
    if (filters.length === 0) return { value: definition, changes: [] };
    return {
      value: definition,
      changes: [
        `_source ${filters.join(", ")}: what the source leaves out of _source is not kept, so ` +
        "it cannot be copied (those values stay searchable on the source only)",
      ],
    };
  },
};
