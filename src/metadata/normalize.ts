/**
 * One canonical form for what two clusters say about an index, so that equal definitions written
 * differently compare equal, and what belongs to one cluster only is left out. Pure.
 */

/** Flat settings, `"index.number_of_shards" → "1"`: the form every comparison uses. */
export type FlatSettings = Record<string, string>;

/**
 * Settings that describe one physical index of one cluster. A create request rejects most of
 * them ("private index setting") or they would be wrong on the target, so they are never copied
 * or compared.
 */
const INTERNAL_SETTINGS: RegExp[] = [
  /^index\.creation_date(_string)?$/,
  /^index\.uuid$/,
  /^index\.version\./,
  /^index\.provided_name$/,
  /^index\.resize\./,
  /^index\.routing\.allocation\.initial_recovery\./,
  /^index\.verified_before_close$/,
  /^index\.history\.uuid$/,
  /^index\.shrink\./,
  /^index\.split\./,
  /^index\.frozen$/,
  /^index\.search\.throttled$/,
  /^index\.replication\.origin/,
  // A write block left by a shrink or a freeze on the source must not follow the data.
  /^index\.blocks\./,
  /^index\.routing_partition_size_checked$/,
  /^archived\./,
];

/** True for names the migration never touches: system and hidden indices. */
export function isSystemIndex(name: string, settings: FlatSettings): boolean {
  return name.startsWith(".") || settings["index.hidden"] === "true";
}

/** True for a template that belongs to the cluster itself (names starting with `.`). */
export function isSystemTemplate(name: string): boolean {
  return name.startsWith(".");
}

/**
 * Flattens nested or flat settings into `"index.x.y" → "value"`. Arrays become JSON text so
 * `["a","b"]` and `"[\"a\",\"b\"]"` agree; numbers and booleans become strings, as the clusters
 * themselves return them with `flat_settings=true`. Keys without the `index.` prefix get it.
 */
export function canonicalSettings(settings: Record<string, unknown>): FlatSettings {
  const flat: FlatSettings = {};
  const walk = (value: unknown, prefix: string) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        walk(inner, prefix ? `${prefix}.${key}` : key);
      }
      return;
    }
    const key = prefix.startsWith("index.") || prefix.startsWith("archived.")
      ? prefix
      : `index.${prefix}`;
    flat[key] = Array.isArray(value) ? JSON.stringify(value.map(String)) : String(value);
  };
  walk(settings, "");
  return flat;
}

/** Drops the settings that belong to one physical index (see {@link INTERNAL_SETTINGS}). */
export function dropInternalSettings(settings: FlatSettings): FlatSettings {
  return Object.fromEntries(
    Object.entries(settings).filter(([key]) =>
      !INTERNAL_SETTINGS.some((pattern) => pattern.test(key))
    ),
  );
}

/** Turns flat settings back into the nested form a create request reads most naturally. */
export function nestSettings(settings: FlatSettings): Record<string, unknown> {
  const nested: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    const parts = key.split(".");
    let node = nested;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== "object" || next === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value.startsWith("[") ? JSON.parse(value) : value;
  }
  return nested;
}

/**
 * Mappings in comparable form: keys sorted, `type: object` dropped where `properties` imply it,
 * and scalar values as strings (`"true"` and `true` are the same mapping parameter).
 */
export function canonicalMappings(mappings: Record<string, unknown>): Record<string, unknown> {
  return canonicalize(mappings) as Record<string, unknown>;
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, inner]) =>
        !(key === "type" && inner === "object" &&
          "properties" in (value as Record<string, unknown>))
      )
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, inner]) => [key, canonicalize(inner)]);
    return Object.fromEntries(entries);
  }
  return value === null || value === undefined ? value : String(value);
}
