/**
 * What a transform rule is. A rule turns something the source cluster accepts into what the
 * target accepts, and says what it changed; one concern per rule, each in its own module under
 * `rules/`, registered in `registry.ts`. Pure.
 */
import type { FlatSettings } from "../normalize.ts";
import type { AliasDefinition, ClusterVersion, TemplateKind } from "../types.ts";

/** An index definition (or the index part of a template) as the rules see it. */
export interface Definition {
  /** Flat, internal settings already dropped (see `normalize.ts`). */
  settings: FlatSettings;
  /** Typeless once `remove-mapping-type` ran; as read before. */
  mappings: Record<string, unknown>;
  aliases: Record<string, AliasDefinition>;
}

/** A template body as the template rules see it (everything but its index definition). */
export interface TemplateBody {
  kind: TemplateKind;
  body: Record<string, unknown>;
}

/** Both sides of the migration, for rules that depend on them. */
export interface RuleContext {
  source: ClusterVersion;
  target: ClusterVersion;
  /** Plugins of the target (`_cat/plugins` component names, e.g. `opensearch-knn`). */
  targetPlugins: readonly string[];
}

/** What a rule did to one subject. */
export interface RuleOutcome<T> {
  /** The subject after the rule (the input, untouched, when nothing changed). */
  value: T;
  /** One line per change, e.g. "mapping type [doc] removed; mappings are typeless". */
  changes: string[];
  /** Set when the subject cannot be migrated as it is; says why (the rule id is added later). */
  unsupported?: string;
}

/** One named transformation of a subject of type `T`. */
export interface Rule<T> {
  /** Stable id shown in reports, e.g. "remove-mapping-type". */
  id: string;
  /** One line for the README and the docs. */
  description: string;
  /** Whether the rule has anything to do for this pair of clusters. */
  appliesTo(context: RuleContext): boolean;
  apply(value: T, context: RuleContext): RuleOutcome<T>;
}

/** A rule over index definitions; it runs on indices and on the index part of templates. */
export type DefinitionRule = Rule<Definition>;

/** A rule over the rest of a template body (patterns, composition, ES-only keys). */
export type TemplateRule = Rule<TemplateBody>;

/** Nothing changed. */
export function unchanged<T>(value: T): RuleOutcome<T> {
  return { value, changes: [] };
}

/** Whether `version` is at least `major.minor`. */
export function atLeast(version: ClusterVersion, major: number, minor = 0): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** Whether the source is Elasticsearch (any version) and the target OpenSearch. */
export function elasticsearchToOpenSearch(context: RuleContext): boolean {
  return context.source.distribution === "elasticsearch" &&
    context.target.distribution === "opensearch";
}
