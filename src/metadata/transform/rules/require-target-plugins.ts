/**
 * Field types that exist only with a plugin. Without it on the target, the create request fails;
 * the plan says so up front, naming the plugin.
 */
import { findFields } from "../fields.ts";
import type { DefinitionRule } from "../rule.ts";

/** Field type → the plugin the target needs for it, by distribution-neutral component name. */
export const PLUGIN_FIELD_TYPES: Readonly<Record<string, string>> = {
  knn_vector: "opensearch-knn",
  icu_collation_keyword: "analysis-icu",
  murmur3: "mapper-murmur3",
  annotated_text: "mapper-annotated-text",
};

/** The rule `require-target-plugins`. */
export const requireTargetPlugins: DefinitionRule = {
  id: "require-target-plugins",
  description: "fields whose type needs a plugin (knn_vector, icu_collation_keyword, murmur3, " +
    "annotated_text) are refused, with the plugin named, when the target lacks it",
  appliesTo: () => true,
  apply(definition, context) {
    const missing = new Map<string, string[]>();
    for (const [type, plugin] of Object.entries(PLUGIN_FIELD_TYPES)) {
      if (context.targetPlugins.includes(plugin)) continue;
      const paths = findFields(definition.mappings, (field) => field.type === type);
      if (paths.length > 0) missing.set(plugin, paths);
    }
    if (missing.size === 0) return { value: definition, changes: [] };
    return {
      value: definition,
      changes: [],
      unsupported: [...missing].map(([plugin, paths]) =>
        `field(s) ${paths.join(", ")} need the ${plugin} plugin, which the target lacks`
      ).join("; "),
    };
  },
};
