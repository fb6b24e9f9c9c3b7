/** Elasticsearch-only index settings: OpenSearch refuses a create request that carries them. */
import type { FlatSettings } from "../../normalize.ts";
import { type DefinitionRule, elasticsearchToOpenSearch } from "../rule.ts";

/**
 * Settings Elasticsearch has and OpenSearch does not, with why. Extend here; a setting missing
 * from this list is still caught when the target refuses it (the apply step strips it and
 * retries once, naming it), but then only at create time, not in the plan.
 */
export const ELASTICSEARCH_ONLY_SETTINGS: ReadonlyArray<{ pattern: RegExp; reason: string }> = [
  { pattern: /^index\.lifecycle\./, reason: "ILM is Elasticsearch-only; OpenSearch uses ISM" },
  {
    pattern: /^index\.routing\.allocation\.(include|require|exclude)\._tier(_preference)?$/,
    reason: "data tiers are Elasticsearch-only",
  },
  { pattern: /^index\.xpack\./, reason: "X-Pack settings are Elasticsearch-only" },
  { pattern: /^index\.frozen$/, reason: "frozen indices are Elasticsearch-only" },
  { pattern: /^index\.search\.throttled$/, reason: "frozen indices are Elasticsearch-only" },
  {
    pattern: /^index\.mapper\.dynamic$/,
    reason: "removed in Elasticsearch 7; use the mapping's `dynamic` parameter",
  },
  { pattern: /^index\.mapping\.single_type$/, reason: "an Elasticsearch 5.6 setting" },
  {
    pattern: /^index\.mapping\.total_fields\.ignore_dynamic_beyond_limit$/,
    reason: "Elasticsearch 8 only",
  },
  {
    pattern: /^index\.mapping\.(source\.mode|synthetic_source_keep)$/,
    reason: "synthetic _source is Elasticsearch-only",
  },
  { pattern: /^index\.mode$/, reason: "index modes (time series, logsdb) are Elasticsearch-only" },
  {
    pattern: /^index\.(time_series|look_ahead_time|look_back_time|routing_path)(\.|$)/,
    reason: "time series indices are Elasticsearch-only",
  },
  {
    pattern: /^index\.store\.snapshot\./,
    reason: "searchable snapshots of Elasticsearch (the documents are copied instead)",
  },
];

/** The rule `remove-unknown-settings`. */
export const removeUnknownSettings: DefinitionRule = {
  id: "remove-unknown-settings",
  description: "settings OpenSearch does not know (ILM, data tiers, X-Pack, frozen, time series, " +
    "`index.mapper.dynamic`) are removed, each named",
  appliesTo: elasticsearchToOpenSearch,
  apply(definition) {
    const changes: string[] = [];
    const settings: FlatSettings = {};
    for (const [key, value] of Object.entries(definition.settings)) {
      const match = ELASTICSEARCH_ONLY_SETTINGS.find(({ pattern }) => pattern.test(key));
      if (match) changes.push(`setting ${key} removed (${match.reason})`);
      else settings[key] = value;
    }
    return { value: changes.length > 0 ? { ...definition, settings } : definition, changes };
  },
};
