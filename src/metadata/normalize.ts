/**
 * One canonical form for what two clusters say about an index, so that equal definitions written
 * differently compare equal, and what belongs to one physical index is left out. Pure.
 */
import type { AliasDefinition } from "./types.ts";

/** One setting value: clusters return lists (stop words, filter chains) as arrays. */
export type SettingValue = string | string[];

/**
 * Flat settings, `"index.number_of_shards" → "1"`, lists kept as lists. The form the transform
 * rules read and write, and that turns back into a create body without loss.
 */
export type FlatSettings = Record<string, SettingValue>;

/** Flat settings with every value as text: the form comparisons use. */
export type CanonicalSettings = Record<string, string>;

/**
 * Settings that describe one physical index of one cluster. A create request rejects them
 * ("private index setting"), or they would be false on the target (uuids, creation dates, the
 * version that created it, where a shrink or split came from). They are never copied or compared.
 *
 * Kept on purpose, because a create request accepts them and they shape the data:
 * `index.number_of_routing_shards` (only present when set explicitly), `index.soft_deletes.*`
 * (OpenSearch accepts `enabled: false` with a deprecation warning), `index.replication.type`
 * (OpenSearch's choice between document and segment replication).
 * Not here but in named rules, because an operator should see them go: `index.blocks.*`
 * (`remove-index-blocks`), allocation filters (`remove-allocation-filters`), Elasticsearch-only
 * settings such as ILM or `index.frozen` (`remove-unknown-settings`).
 */
const INTERNAL_SETTINGS: readonly RegExp[] = [
  /^index\.creation_date(_string)?$/,
  /^index\.uuid$/,
  /^index\.version\./,
  /^index\.provided_name$/,
  /^index\.resize\./,
  /^index\.shrink\./,
  /^index\.split\./,
  /^index\.routing\.allocation\.initial_recovery\./,
  /^index\.verified_before_close$/,
  /^index\.history\.uuid$/,
  /^index\.routing_partition_size_checked$/,
  // Settings a node archived after an upgrade because it no longer knew them: never valid input.
  /^archived\./,
];

/** Whether an index is hidden (`index.hidden: true`). */
export function isHidden(settings: Record<string, unknown>): boolean {
  return canonicalSettings(settings)["index.hidden"] === "true";
}

/**
 * Hidden indices without a leading dot that the cluster makes for itself (Elasticsearch's ILM
 * history): the cluster's own, as dot names are, never a user's.
 */
const CLUSTER_OWNED_HIDDEN = [/^ilm-history-\d+-\d+$/];

/** Whether an index is the cluster's own: a dot name, or a hidden one the cluster makes itself. */
export function isClusterOwnedIndex(name: string, settings: Record<string, unknown>): boolean {
  return name.startsWith(".") ||
    (isHidden(settings) && CLUSTER_OWNED_HIDDEN.some((pattern) => pattern.test(name)));
}

/**
 * Flattens nested or flat settings (or a mix) into `"index.x.y" → value`. Numbers and booleans
 * become text, as the clusters return them with `flat_settings=true`; lists stay lists of text.
 * Keys without the `index.` prefix get it (templates are often written without it). `null`
 * means "the default" in a settings body, so it is the same as absent and is dropped.
 */
export function flattenSettings(settings: Record<string, unknown>): FlatSettings {
  const flat: FlatSettings = {};
  const walk = (value: unknown, prefix: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        walk(inner, prefix ? `${prefix}.${key}` : key);
      }
      return;
    }
    const key = prefix.startsWith("index.") || prefix.startsWith("archived.")
      ? prefix
      : `index.${prefix}`;
    flat[key] = Array.isArray(value) ? value.map((item) => String(item)) : String(value);
  };
  walk(settings, "");
  return flat;
}

/**
 * Settings in the form every comparison uses: flat keys, values as text, lists as JSON text
 * (order kept: a filter chain's order matters). `{index: {number_of_shards: 1}}` and
 * `{"index.number_of_shards": "1"}` give the same result. Idempotent.
 */
export function canonicalSettings(settings: Record<string, unknown>): CanonicalSettings {
  return Object.fromEntries(
    Object.entries(flattenSettings(settings)).map((
      [key, value],
    ) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

/** Drops the settings that belong to one physical index (see {@link INTERNAL_SETTINGS}). */
export function dropInternalSettings<T extends SettingValue>(
  settings: Record<string, T>,
): Record<string, T> {
  return Object.fromEntries(
    Object.entries(settings).filter(([key]) => !isInternalSetting(key)),
  );
}

/** Whether a flat key belongs to one physical index and is never copied or compared. */
export function isInternalSetting(key: string): boolean {
  return INTERNAL_SETTINGS.some((pattern) => pattern.test(key));
}

/** Flat settings back into the nested form of a create body (`{index: {number_of_shards}}`). */
export function nestSettings(settings: FlatSettings): Record<string, unknown> {
  const nested: Record<string, unknown> = {};
  for (const key of Object.keys(settings).sort()) {
    const parts = key.split(".");
    let node = nested;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      // A key that is both a value and a prefix (never in valid settings) keeps the deeper one.
      if (typeof next !== "object" || next === null || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const value = settings[key];
    node[parts[parts.length - 1]] = Array.isArray(value) ? [...value] : value;
  }
  return nested;
}

/**
 * Mappings in comparable form. Only differences a cluster itself erases are erased:
 * - key order (clusters sort some keys and not others);
 * - scalars as text (`"true"` and `true` are the same parameter value; clusters echo either);
 * - a field's `type: object` (implied when `properties` is present, and a cluster prints it only
 *   for objects without sub-fields) and an empty `properties` (the same as none).
 * Array order is kept (dynamic templates are tried in order).
 */
export function canonicalMappings(mappings: Record<string, unknown>): Record<string, unknown> {
  return canonicalObjectMapping(mappings);
}

/** Aliases in comparable form: `routing` spelled out as the two routings a cluster returns. */
export function canonicalAliases(
  aliases: Record<string, AliasDefinition>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const name of Object.keys(aliases).sort()) {
    const { routing, ...rest } = aliases[name] ?? {};
    const alias: Record<string, unknown> = { ...rest };
    if (routing !== undefined) {
      alias.index_routing ??= routing;
      alias.search_routing ??= routing;
    }
    // `false` is what an alias without the flag means.
    if (alias.is_write_index === false) delete alias.is_write_index;
    if (alias.is_hidden === false) delete alias.is_hidden;
    result[name] = canonicalValue(alias);
  }
  return result;
}

/** A mapping node that may hold `properties` (the root, an object or nested field). */
function canonicalObjectMapping(node: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(node).sort()) {
    const value = node[key];
    if (key === "properties" || key === "fields") {
      if (isRecord(value)) {
        if (key === "properties" && Object.keys(value).length === 0) continue;
        result[key] = Object.fromEntries(
          Object.keys(value).sort().map((name) => [name, canonicalField(value[name])]),
        );
        continue;
      }
    }
    result[key] = canonicalValue(value);
  }
  return result;
}

function canonicalField(field: unknown): unknown {
  if (!isRecord(field)) return canonicalValue(field);
  const { type, ...rest } = field;
  const canonical = canonicalObjectMapping(type === "object" ? rest : field);
  return canonical;
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.keys(value).sort().map((key) => [key, canonicalValue(value[key])]),
    );
  }
  return value === null || value === undefined ? value : String(value);
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
