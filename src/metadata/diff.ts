/**
 * Names every difference between the source's definition (after the rules) and the target's, by
 * dotted path with both values. Pure.
 */
import { canonicalMappings, type FlatSettings } from "./normalize.ts";
import type { Definition } from "./rules.ts";
import type { Difference } from "./types.ts";

/**
 * Settings an operator tunes on a live target, or that the target adds to every index by
 * itself; a difference there is not a different index. (The native engine sets replicas to 0
 * and the refresh interval to -1 while it loads, and a re-run must still see "identical".)
 */
const NOT_COMPARED = new Set([
  "index.number_of_replicas",
  "index.auto_expand_replicas",
  "index.refresh_interval",
  "index.replication.type",
]);

/** Differences between two definitions; empty when they are the same index. */
export function diffDefinitions(source: Definition, target: Definition): Difference[] {
  return [
    ...diffSettings(source.settings, target.settings),
    ...diffTree("mappings", canonicalMappings(source.mappings), canonicalMappings(target.mappings)),
    ...diffTree(
      "aliases",
      canonicalMappings(source.aliases as Record<string, unknown>),
      canonicalMappings(target.aliases as Record<string, unknown>),
    ),
  ];
}

function diffSettings(source: FlatSettings, target: FlatSettings): Difference[] {
  const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])]
    .filter((key) => !NOT_COMPARED.has(key))
    .sort();
  return keys
    .filter((key) => source[key] !== target[key])
    .map((key) => ({ path: `settings.${key}`, source: source[key], target: target[key] }));
}

function diffTree(path: string, source: unknown, target: unknown): Difference[] {
  if (isObject(source) && isObject(target)) {
    const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort();
    return keys.flatMap((key) => diffTree(`${path}.${key}`, source[key], target[key]));
  }
  const a = show(source);
  const b = show(target);
  return a === b ? [] : [{ path, source: a, target: b }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
