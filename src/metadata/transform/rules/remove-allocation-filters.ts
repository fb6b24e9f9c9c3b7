/**
 * Shard allocation filters name the source's nodes and node attributes. The target's nodes are
 * others: a `require` filter nobody satisfies leaves the new index red.
 */
import type { FlatSettings } from "../../normalize.ts";
import type { DefinitionRule } from "../rule.ts";

/** `index.routing.allocation.{include,exclude,require}.<attribute>`. */
export const ALLOCATION_FILTER = /^index\.routing\.allocation\.(include|exclude|require)\./;

/** The rule `remove-allocation-filters`. */
export const removeAllocationFilters: DefinitionRule = {
  id: "remove-allocation-filters",
  description: "shard allocation filters (`index.routing.allocation.include|exclude|require.*`) " +
    "are removed: they name the source's nodes; set the target's own after the migration",
  appliesTo: () => true,
  apply(definition) {
    const changes: string[] = [];
    const settings: FlatSettings = {};
    for (const [key, value] of Object.entries(definition.settings)) {
      if (ALLOCATION_FILTER.test(key)) {
        changes.push(`setting ${key} removed (${JSON.stringify(value)} names source nodes)`);
      } else settings[key] = value;
    }
    return { value: changes.length > 0 ? { ...definition, settings } : definition, changes };
  },
};
