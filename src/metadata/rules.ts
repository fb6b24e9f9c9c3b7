/**
 * Transform rules: each turns something the source cluster accepts into what the target accepts,
 * and says what it changed. Pure. To add a rule, write one {@link TransformRule} and append it
 * to {@link RULES}; the order there is the order they run in.
 */
import type { FlatSettings } from "./normalize.ts";
import type { AliasDefinition, ClusterVersion } from "./types.ts";

/** An index definition (or a template's index part) as the rules see it. */
export interface Definition {
  settings: FlatSettings;
  mappings: Record<string, unknown>;
  aliases: Record<string, AliasDefinition>;
}

/** Versions on both sides, for rules that depend on them. */
export interface RuleContext {
  source: ClusterVersion;
  target: ClusterVersion;
  /** Plugins of the target (`_cat/plugins` names), for rules that need one. */
  targetPlugins: string[];
}

/** What a rule did to one definition. */
export interface RuleOutcome {
  definition: Definition;
  /** One line per change, e.g. "mapping type [doc] removed". */
  changes: string[];
  /** Set when the definition cannot be migrated as it is; says why. */
  unsupported?: string;
}

/** One named transformation. */
export interface TransformRule {
  /** Stable id shown in reports, e.g. "remove-mapping-type". */
  id: string;
  /** One line for the README and `--help`. */
  description: string;
  apply(definition: Definition, context: RuleContext): RuleOutcome;
}

/** Root keys of a typeless mapping; any other root key on ES 6 is a mapping type. */
const MAPPING_ROOT_KEYS = new Set([
  "properties",
  "dynamic",
  "dynamic_templates",
  "dynamic_date_formats",
  "date_detection",
  "numeric_detection",
  "_source",
  "_routing",
  "_meta",
  "_all",
  "_field_names",
  "_size",
  "enabled",
  "runtime",
  "_data_stream_timestamp",
]);

const removeMappingType: TransformRule = {
  id: "remove-mapping-type",
  description: "ES 6 mappings under one type (`doc`, `_doc` or custom) become typeless; " +
    "several types or `_default_` cannot be migrated as they are",
  apply(definition) {
    const keys = Object.keys(definition.mappings);
    const types = keys.filter((key) => !MAPPING_ROOT_KEYS.has(key));
    if (types.length === 0) return { definition, changes: [] };
    if (types.length > 1 || types.includes("_default_")) {
      return {
        definition,
        changes: [],
        unsupported: `it has mapping types [${types.join(", ")}]; OpenSearch allows one typeless ` +
          "mapping: split the index by type (e.g. with _reindex) before migrating",
      };
    }
    const [type] = types;
    const inner = definition.mappings[type] as Record<string, unknown>;
    return {
      definition: { ...definition, mappings: inner ?? {} },
      changes: [`mapping type [${type}] removed; mappings are typeless`],
    };
  },
};

/** Settings OpenSearch does not know (Elasticsearch-only features), as key patterns. */
const UNKNOWN_TO_OPENSEARCH: Array<[RegExp, string]> = [
  [/^index\.lifecycle\./, "ILM is Elasticsearch-only (OpenSearch uses ISM policies)"],
  [
    /^index\.routing\.allocation\.(include|require|exclude)\._tier(_preference)?$/,
    "data tiers are Elasticsearch-only",
  ],
  [/^index\.xpack\./, "X-Pack settings are Elasticsearch-only"],
  [/^index\.mapping\.total_fields\.ignore_dynamic_beyond_limit$/, "unknown to OpenSearch"],
  [/^index\.mapping\.source\.mode$/, "synthetic _source is Elasticsearch-only"],
  [/^index\.mode$/, "index modes (time series, logsdb) are Elasticsearch-only"],
  [
    /^index\.(time_series|look_ahead_time|look_back_time|routing_path)(\.|$)/,
    "time series indices are Elasticsearch-only",
  ],
  [
    /^index\.indexing\.slowlog\.level$|^index\.search\.slowlog\.level$/,
    "removed slow log level setting",
  ],
];

const removeUnknownSettings: TransformRule = {
  id: "remove-unknown-settings",
  description:
    "settings OpenSearch does not know (ILM, data tiers, X-Pack, time series) are removed",
  apply(definition, context) {
    if (context.source.distribution === "opensearch") return { definition, changes: [] };
    const changes: string[] = [];
    const settings: FlatSettings = {};
    for (const [key, value] of Object.entries(definition.settings)) {
      const match = UNKNOWN_TO_OPENSEARCH.find(([pattern]) => pattern.test(key));
      if (match) changes.push(`setting ${key} removed (${match[1]})`);
      else settings[key] = value;
    }
    return { definition: { ...definition, settings }, changes };
  },
};

const RENAMED_ANALYSIS_TYPES: Record<string, string> = {
  nGram: "ngram",
  edgeNGram: "edge_ngram",
  delimited_payload_filter: "delimited_payload",
};

const renameAnalysisComponents: TransformRule = {
  id: "rename-analysis-components",
  description: "analysis components renamed since ES 6 (nGram → ngram, edgeNGram → edge_ngram, " +
    "delimited_payload_filter → delimited_payload) and the removed `standard` token filter",
  apply(definition) {
    const changes: string[] = [];
    const settings: FlatSettings = { ...definition.settings };
    for (const [key, value] of Object.entries(settings)) {
      if (
        /^index\.analysis\.(tokenizer|filter)\.[^.]+\.type$/.test(key) &&
        RENAMED_ANALYSIS_TYPES[value]
      ) {
        settings[key] = RENAMED_ANALYSIS_TYPES[value];
        changes.push(`${key}: ${value} → ${settings[key]}`);
      }
      if (/^index\.analysis\.analyzer\.[^.]+\.filter$/.test(key)) {
        const filters = parseList(value);
        if (filters.includes("standard")) {
          settings[key] = JSON.stringify(filters.filter((filter) => filter !== "standard"));
          changes.push(
            `${key}: the removed standard token filter dropped (it did nothing since ES 6)`,
          );
        }
      }
    }
    // Analyzers may also reference a filter by the old built-in names.
    for (const [key, value] of Object.entries(settings)) {
      if (/^index\.analysis\.analyzer\.[^.]+\.(filter|tokenizer)$/.test(key)) {
        const names = parseList(value);
        const renamed = names.map((name) => RENAMED_ANALYSIS_TYPES[name] ?? name);
        if (renamed.some((name, i) => name !== names[i])) {
          settings[key] = value.startsWith("[") ? JSON.stringify(renamed) : renamed[0];
          changes.push(`${key}: ${names.join(", ")} → ${renamed.join(", ")}`);
        }
      }
    }
    return { definition: { ...definition, settings }, changes };
  },
};

/** Settings hold lists as JSON text after canonicalization, or as one plain name. */
function parseList(value: string): string[] {
  if (value.startsWith("[")) {
    try {
      return (JSON.parse(value) as unknown[]).map(String);
    } catch {
      return [value];
    }
  }
  return [value];
}

/** Walks every field mapping (properties and multi-fields), letting `visit` rewrite it. */
function mapFields(
  mappings: Record<string, unknown>,
  visit: (field: Record<string, unknown>, path: string) => Record<string, unknown>,
): Record<string, unknown> {
  const walkProperties = (properties: Record<string, unknown>, prefix: string) =>
    Object.fromEntries(
      Object.entries(properties).map(([name, raw]) => {
        const path = prefix ? `${prefix}.${name}` : name;
        let field = visit({ ...(raw as Record<string, unknown>) }, path);
        if (field.properties) {
          field = {
            ...field,
            properties: walkProperties(field.properties as Record<string, unknown>, path),
          };
        }
        if (field.fields) {
          field = {
            ...field,
            fields: walkProperties(field.fields as Record<string, unknown>, path),
          };
        }
        return [name, field];
      }),
    );
  if (!mappings.properties) return mappings;
  return {
    ...mappings,
    properties: walkProperties(mappings.properties as Record<string, unknown>, ""),
  };
}

const removeObsoleteMappingParameters: TransformRule = {
  id: "remove-obsolete-mapping-parameters",
  description: "mapping parameters removed after ES 6 (`_all`, `include_in_all`) are dropped",
  apply(definition) {
    const changes: string[] = [];
    let mappings = definition.mappings;
    if ("_all" in mappings) {
      const { _all, ...rest } = mappings;
      mappings = rest;
      changes.push(`_all removed (${JSON.stringify(_all)})`);
    }
    mappings = mapFields(mappings, (field, path) => {
      if (!("include_in_all" in field)) return field;
      const { include_in_all: _, ...rest } = field;
      changes.push(`${path}: include_in_all removed`);
      return rest;
    });
    return { definition: { ...definition, mappings }, changes };
  },
};

const stringToTextKeyword: TransformRule = {
  id: "string-to-text-keyword",
  description: "pre-5.0 `string` fields become `keyword` (not_analyzed) or `text`",
  apply(definition) {
    const changes: string[] = [];
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type !== "string") return field;
      const { index, ...rest } = field;
      if (index === "not_analyzed") {
        changes.push(`${path}: string (not_analyzed) → keyword`);
        return { ...rest, type: "keyword" };
      }
      changes.push(`${path}: string → text`);
      return { ...rest, type: "text", ...(index === "no" ? { index: false } : {}) };
    });
    return { definition: { ...definition, mappings }, changes };
  },
};

function atLeast(version: ClusterVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

const flattenedToFlatObject: TransformRule = {
  id: "flattened-to-flat-object",
  description: "`flattened` fields become `flat_object` on OpenSearch 2.7+",
  apply(definition, context) {
    const changes: string[] = [];
    let blocked: string | undefined;
    const supported = context.target.distribution === "opensearch" && atLeast(context.target, 2, 7);
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type !== "flattened") return field;
      if (!supported) {
        blocked ??=
          `field ${path} is flattened, which OpenSearch supports as flat_object from 2.7 ` +
          `(target is ${context.target.version})`;
        return field;
      }
      changes.push(`${path}: flattened → flat_object (flattened parameters dropped)`);
      return { type: "flat_object" };
    });
    return blocked
      ? { definition, changes: [], unsupported: blocked }
      : { definition: { ...definition, mappings }, changes };
  },
};

const denseVectorToKnnVector: TransformRule = {
  id: "dense-vector-to-knn-vector",
  description:
    "`dense_vector` becomes `knn_vector` (dims → dimension) when the target has the k-NN plugin",
  apply(definition, context) {
    const changes: string[] = [];
    let blocked: string | undefined;
    const hasKnn = context.targetPlugins.some((plugin) => plugin.includes("knn"));
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type !== "dense_vector") return field;
      if (!hasKnn) {
        blocked ??=
          `field ${path} is dense_vector; the target needs the k-NN plugin for knn_vector`;
        return field;
      }
      changes.push(`${path}: dense_vector → knn_vector (dimension ${field.dims})`);
      return { type: "knn_vector", dimension: field.dims };
    });
    if (blocked) return { definition, changes: [], unsupported: blocked };
    const settings = changes.length > 0 && definition.settings["index.knn"] === undefined
      ? { ...definition.settings, "index.knn": "true" }
      : definition.settings;
    return { definition: { ...definition, settings, mappings }, changes };
  },
};

/** Every rule, in the order they run. */
export const RULES: readonly TransformRule[] = [
  removeMappingType,
  removeUnknownSettings,
  renameAnalysisComponents,
  removeObsoleteMappingParameters,
  stringToTextKeyword,
  flattenedToFlatObject,
  denseVectorToKnnVector,
];
