/**
 * Analysis component names Elasticsearch 7 stopped accepting for new indices (OpenSearch forked
 * from 7.10, so it refuses them too), and the `standard` token filter it removed (a no-op since
 * ES 6).
 */
import type { FlatSettings, SettingValue } from "../../normalize.ts";
import type { DefinitionRule } from "../rule.ts";

type Category = "tokenizer" | "filter" | "char_filter";

/** Old name → new name, per category. Only renames whose behaviour is unchanged. */
export const RENAMED_ANALYSIS_TYPES: Readonly<Record<Category, Readonly<Record<string, string>>>> =
  {
    tokenizer: { nGram: "ngram", edgeNGram: "edge_ngram", PathHierarchy: "path_hierarchy" },
    filter: {
      nGram: "ngram",
      edgeNGram: "edge_ngram",
      delimited_payload_filter: "delimited_payload",
    },
    char_filter: { htmlStrip: "html_strip" },
  };

/** Token filter types that no longer exist and did nothing: removed from every chain. */
const REMOVED_FILTERS = new Set(["standard"]);

const COMPONENT_TYPE = /^index\.analysis\.(tokenizer|filter|char_filter)\.([^.]+)\.type$/;
/** Where analyzers and normalizers name their components. */
const REFERENCE = /^index\.analysis\.(analyzer|normalizer)\.[^.]+\.(tokenizer|filter|char_filter)$/;

/** The rule `rename-analysis-components`. */
export const renameAnalysisComponents: DefinitionRule = {
  id: "rename-analysis-components",
  description: "analysis components renamed in ES 7 (nGram → ngram, edgeNGram → edge_ngram, " +
    "PathHierarchy → path_hierarchy, delimited_payload_filter → delimited_payload, " +
    "htmlStrip → html_strip) and the removed `standard` token filter dropped",
  appliesTo: () => true,
  apply(definition) {
    const changes: string[] = [];
    const settings: FlatSettings = { ...definition.settings };
    // Custom components, by category: a reference to one of those is a name, not a type.
    const custom: Record<Category, Set<string>> = {
      tokenizer: new Set(),
      filter: new Set(),
      char_filter: new Set(),
    };
    const removedCustomFilters = new Set<string>();
    for (const [key, value] of Object.entries(definition.settings)) {
      const match = key.match(COMPONENT_TYPE);
      if (!match || typeof value !== "string") continue;
      const category = match[1] as Category;
      const name = match[2];
      custom[category].add(name);
      if (category === "filter" && REMOVED_FILTERS.has(value)) {
        removedCustomFilters.add(name);
        continue;
      }
      const renamed = RENAMED_ANALYSIS_TYPES[category][value];
      if (renamed) {
        settings[key] = renamed;
        changes.push(`${key}: ${value} → ${renamed}`);
      }
    }
    for (const name of [...removedCustomFilters].sort()) {
      const prefix = `index.analysis.filter.${name}.`;
      for (const key of Object.keys(settings)) if (key.startsWith(prefix)) delete settings[key];
      changes.push(`filter ${name} removed: the standard token filter was removed in ES 7`);
    }
    for (const [key, value] of Object.entries(settings)) {
      const match = key.match(REFERENCE);
      if (!match) continue;
      const category = match[2] as Category;
      const names = typeof value === "string" ? [value] : value;
      const kept: string[] = [];
      for (const name of names) {
        if (
          category === "filter" && (removedCustomFilters.has(name) ||
            (REMOVED_FILTERS.has(name) && !custom.filter.has(name)))
        ) {
          changes.push(`${key}: the removed standard token filter dropped (a no-op since ES 6)`);
          continue;
        }
        const renamed = custom[category].has(name)
          ? undefined
          : RENAMED_ANALYSIS_TYPES[category][name];
        if (renamed) changes.push(`${key}: ${name} → ${renamed}`);
        kept.push(renamed ?? name);
      }
      if (kept.length !== names.length || kept.some((name, i) => name !== names[i])) {
        settings[key] = asSettingValue(kept, value);
      }
    }
    return { value: changes.length > 0 ? { ...definition, settings } : definition, changes };
  },
};

/** Keeps a single name a single name; a list stays a list. */
function asSettingValue(names: string[], original: SettingValue): SettingValue {
  return typeof original === "string" && names.length === 1 ? names[0] : names;
}
