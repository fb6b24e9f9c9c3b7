/**
 * Names every difference between the source's definition (after the rules) and the target's,
 * by dotted path with both values as text. Pure.
 *
 * "Identical" means: documents copied into the target index behave as they did on the source
 * (same shards, mappings, analysis, aliases). Settings that only say how a given cluster keeps
 * or places its copies are not part of that, and are not compared (see {@link NOT_COMPARED}).
 * A target index this tool created from the same source therefore compares identical.
 */
import {
  canonicalAliases,
  canonicalMappings,
  canonicalSettings,
  isInternalSetting,
  isRecord,
} from "./normalize.ts";
import type { Definition } from "./transform/rule.ts";
import { templateDefinition, templateFrame } from "./transform.ts";
import type { Difference, TemplateKind, TemplateMetadata } from "./types.ts";

/**
 * Settings an operator sets per cluster, or that the target sets by itself, compared neither
 * way:
 * - replicas: availability on one cluster, decided by its topology (a one-node target needs 0)
 *   and lowered by the native engine while it loads; the documents are the same either way;
 * - refresh interval: the native engine sets -1 while it loads and restores it after;
 * - allocation filters: placement on the target's own nodes (the source's are never copied,
 *   see the rule `remove-allocation-filters`);
 * - `index.replication.type`: OpenSearch 2+ adds `DOCUMENT` to every index it creates; how
 *   copies are kept in step, not what they hold.
 * Index blocks are compared: a write block on the target would stop the documents.
 */
export const NOT_COMPARED: readonly RegExp[] = [
  /^index\.number_of_replicas$/,
  /^index\.auto_expand_replicas$/,
  /^index\.refresh_interval$/,
  /^index\.routing\.allocation\.(include|exclude|require)\./,
  /^index\.replication\.type$/,
];

/** Template body keys whose absence means this value (clusters echo one or the other). */
const TEMPLATE_DEFAULTS: Readonly<Record<string, string>> = {
  order: "0",
  priority: "0",
  composed_of: "[]",
};

/** Differences between two index definitions; empty when they are the same index. */
export function diffDefinitions(source: Definition, target: Definition, prefix = ""): Difference[] {
  return [
    ...diffSettings(source.settings, target.settings, `${prefix}settings`),
    ...diffTree(
      `${prefix}mappings`,
      canonicalMappings(source.mappings),
      canonicalMappings(target.mappings),
    ),
    ...diffTree(
      `${prefix}aliases`,
      canonicalAliases(source.aliases),
      canonicalAliases(target.aliases),
    ),
  ];
}

/**
 * Differences between a source template (its body after the rules) and the target's template
 * of the same name and kind: the index part as for indices (under `template.` for composable
 * and component templates, as in their bodies), then the rest of the body.
 */
export function diffTemplates(
  kind: TemplateKind,
  sourceBody: Record<string, unknown>,
  target: TemplateMetadata,
): Difference[] {
  const source = { kind, body: sourceBody };
  const differences = diffDefinitions(
    templateDefinition(source),
    templateDefinition(target),
    kind === "legacy" ? "" : "template.",
  );
  const sourceFrame = templateFrame(source);
  const targetFrame = templateFrame(target);
  const keys = [...new Set([...Object.keys(sourceFrame), ...Object.keys(targetFrame)])].sort();
  for (const key of keys) {
    const a = show(canonicalize(sourceFrame[key])) ?? TEMPLATE_DEFAULTS[key];
    const b = show(canonicalize(targetFrame[key])) ?? TEMPLATE_DEFAULTS[key];
    if (a !== b) differences.push({ path: key, source: a, target: b });
  }
  return differences;
}

function compared(settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(canonicalSettings(settings)).filter(([key, value]) =>
      !isInternalSetting(key) && !NOT_COMPARED.some((pattern) => pattern.test(key)) &&
      // A block set to false is no block.
      !(key.startsWith("index.blocks.") && value === "false")
    ),
  );
}

function diffSettings(
  sourceSettings: Record<string, unknown>,
  targetSettings: Record<string, unknown>,
  path: string,
): Difference[] {
  const source = compared(sourceSettings);
  const target = compared(targetSettings);
  return [...new Set([...Object.keys(source), ...Object.keys(target)])]
    .sort()
    .filter((key) => source[key] !== target[key])
    .map((key) => ({ path: `${path}.${key}`, source: source[key], target: target[key] }));
}

function diffTree(path: string, source: unknown, target: unknown): Difference[] {
  if (isRecord(source) && isRecord(target)) {
    const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort();
    return keys.flatMap((key) => diffTree(`${path}.${key}`, source[key], target[key]));
  }
  const a = show(source);
  const b = show(target);
  return a === b ? [] : [{ path, source: a, target: b }];
}

/** Key-sorted, for comparing template body values written in any key order. */
function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (isRecord(value)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonicalize(value[k])]));
  }
  return value;
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
