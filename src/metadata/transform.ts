/**
 * Runs the transform rules over an index or a template and records what they changed. Pure.
 */
import { canonicalSettings, dropInternalSettings, nestSettings } from "./normalize.ts";
import { type Definition, type RuleContext, RULES } from "./rules.ts";
import type { AliasDefinition, IndexMetadata, TemplateMetadata, Transformation } from "./types.ts";

/** A definition after every rule ran. */
export interface TransformResult {
  definition: Definition;
  transformations: Transformation[];
  /** Why it cannot be migrated as it is, if a rule said so. */
  unsupported?: string;
}

function runRules(
  start: Definition,
  subject: string,
  subjectKind: Transformation["subjectKind"],
  context: RuleContext,
): TransformResult {
  let definition = start;
  const transformations: Transformation[] = [];
  for (const rule of RULES) {
    const outcome = rule.apply(definition, context);
    if (outcome.unsupported) {
      return { definition, transformations, unsupported: `${outcome.unsupported} (${rule.id})` };
    }
    definition = outcome.definition;
    for (const detail of outcome.changes) {
      transformations.push({ subject, subjectKind, rule: rule.id, detail });
    }
  }
  return { definition, transformations };
}

/** The index as the target should have it: internal settings dropped, every rule applied. */
export function transformIndex(index: IndexMetadata, context: RuleContext): TransformResult {
  return runRules(
    {
      settings: dropInternalSettings(canonicalSettings(index.settings)),
      mappings: index.mappings,
      aliases: index.aliases,
    },
    index.name,
    "index",
    context,
  );
}

/** The definition a target index already has, in the same canonical form (no rules). */
export function targetDefinition(index: IndexMetadata): Definition {
  return {
    settings: dropInternalSettings(canonicalSettings(index.settings)),
    mappings: index.mappings,
    aliases: index.aliases,
  };
}

/** Where a template kind keeps its index definition. */
function templateParts(template: TemplateMetadata): Definition {
  const holder = (template.kind === "legacy" ? template.body : template.body.template ?? {}) as {
    settings?: Record<string, unknown>;
    mappings?: Record<string, unknown>;
    aliases?: Record<string, AliasDefinition>;
  };
  return {
    settings: canonicalSettings(holder.settings ?? {}),
    mappings: holder.mappings ?? {},
    aliases: holder.aliases ?? {},
  };
}

function withParts(template: TemplateMetadata, definition: Definition): Record<string, unknown> {
  const parts: Record<string, unknown> = {};
  if (Object.keys(definition.settings).length > 0) {
    parts.settings = nestSettings(definition.settings);
  }
  if (Object.keys(definition.mappings).length > 0) parts.mappings = definition.mappings;
  if (Object.keys(definition.aliases).length > 0) parts.aliases = definition.aliases;
  if (template.kind === "legacy") {
    const { settings: _s, mappings: _m, aliases: _a, ...rest } = template.body;
    return { ...rest, ...parts };
  }
  return { ...template.body, template: parts };
}

/** A template as the target should have it, body ready for the create request. */
export function transformTemplate(
  template: TemplateMetadata,
  context: RuleContext,
): TransformResult & { body: Record<string, unknown> } {
  const result = runRules(templateParts(template), template.name, template.kind, context);
  let body = withParts(template, result.definition);
  const transformations = [...result.transformations];
  if (template.kind === "legacy" && typeof body.template === "string" && !body.index_patterns) {
    const { template: pattern, ...rest } = body;
    body = { ...rest, index_patterns: [pattern] };
    transformations.push({
      subject: template.name,
      subjectKind: "legacy",
      rule: "legacy-template-patterns",
      detail: `template "${pattern}" → index_patterns ["${pattern}"]`,
    });
  }
  return { ...result, transformations, body };
}

/** The comparable definition of a target template (no rules). */
export function templateDefinition(template: TemplateMetadata): Definition {
  return templateParts(template);
}

/**
 * The setting key in a create error the target gave for a setting it does not accept, as
 * OpenSearch words it: "unknown setting [index.foo] please check that any required plugins are
 * installed..." or "private index setting [index.foo] can not be set explicitly".
 */
export function parseRejectedSettingKey(reason: string): string | undefined {
  return reason.match(/(?:unknown setting|private index setting) \[([^\]]+)\]/)?.[1];
}

/** Removes one rejected setting from a create body (the apply step retries once without it). */
export function stripSetting(
  settings: Record<string, string>,
  key: string,
): Record<string, string> {
  const normalized = key.startsWith("index.") ? key : `index.${key}`;
  return Object.fromEntries(Object.entries(settings).filter(([k]) => k !== normalized));
}

/** Nested settings for a create request. */
export { nestSettings };
