/**
 * Runs the transform rules (`transform/registry.ts`) over an index or a template and records
 * what they changed; also the reactive half: reading which setting a target refused, and
 * removing it from a create request. Pure.
 */
import { dropInternalSettings, flattenSettings, isRecord, nestSettings } from "./normalize.ts";
import { DEFINITION_RULES, TEMPLATE_RULES } from "./transform/registry.ts";
import type { Definition, Rule, RuleContext, TemplateBody } from "./transform/rule.ts";
import type {
  AliasDefinition,
  Creation,
  IndexMetadata,
  TemplateMetadata,
  Transformation,
} from "./types.ts";

export type { Definition, RuleContext } from "./transform/rule.ts";

/** A definition after every rule that applies ran. */
export interface TransformResult {
  definition: Definition;
  transformations: Transformation[];
  /** Why it cannot be migrated as it is: the first rule that refused, with its id. */
  unsupported?: string;
}

/** A template after every rule ran, with the body to create it from. */
export interface TemplateTransformResult extends TransformResult {
  body: Record<string, unknown>;
}

function runRules<T>(
  rules: readonly Rule<T>[],
  start: T,
  context: RuleContext,
  record: (rule: string, detail: string) => void,
): { value: T; unsupported?: string } {
  let value = start;
  for (const rule of rules) {
    if (!rule.appliesTo(context)) continue;
    const outcome = rule.apply(value, context);
    // Later rules would read a definition this one could not fix: stop at the first refusal.
    if (outcome.unsupported) return { value, unsupported: `${outcome.unsupported} [${rule.id}]` };
    value = outcome.value;
    for (const detail of outcome.changes) record(rule.id, detail);
  }
  return { value };
}

/** An index's definition in the form rules and comparisons read: flat settings, no internals. */
export function indexDefinition(index: IndexMetadata): Definition {
  return {
    settings: dropInternalSettings(flattenSettings(index.settings)),
    mappings: index.mappings,
    aliases: index.aliases,
  };
}

/** The index as the target should have it: internal settings dropped, every rule applied. */
export function transformIndex(index: IndexMetadata, context: RuleContext): TransformResult {
  const transformations: Transformation[] = [];
  const { value, unsupported } = runRules(
    DEFINITION_RULES,
    indexDefinition(index),
    context,
    (rule, detail) =>
      transformations.push({ subject: index.name, subjectKind: "index", rule, detail }),
  );
  return { definition: value, transformations, ...(unsupported ? { unsupported } : {}) };
}

/** The body of an index create request. */
export function indexCreationBody(
  definition: Definition,
): Extract<Creation, { kind: "index" }>["body"] {
  return {
    settings: nestSettings(definition.settings),
    mappings: definition.mappings,
    aliases: definition.aliases,
  };
}

/** Where a template kind keeps its index definition: legacy at the top, the others in `template`. */
function definitionHolder(kind: TemplateMetadata["kind"], body: Record<string, unknown>) {
  const holder = kind === "legacy" ? body : isRecord(body.template) ? body.template : {};
  return holder as {
    settings?: Record<string, unknown>;
    mappings?: Record<string, unknown>;
    aliases?: Record<string, AliasDefinition>;
  };
}

/** A template's index part in the form rules and comparisons read. */
export function templateDefinition(template: Pick<TemplateMetadata, "kind" | "body">): Definition {
  const holder = definitionHolder(template.kind, template.body);
  return {
    settings: dropInternalSettings(flattenSettings(holder.settings ?? {})),
    mappings: holder.mappings ?? {},
    aliases: holder.aliases ?? {},
  };
}

/** A template body without its index definition: patterns, order, priority, composition, ... */
export function templateFrame(
  template: Pick<TemplateMetadata, "kind" | "body">,
): Record<string, unknown> {
  if (template.kind === "legacy") {
    const { settings: _s, mappings: _m, aliases: _a, ...frame } = template.body;
    return frame;
  }
  const { template: inner, ...frame } = template.body;
  if (!isRecord(inner)) return frame;
  const { settings: _s, mappings: _m, aliases: _a, ...rest } = inner;
  return Object.keys(rest).length > 0 ? { ...frame, template: rest } : frame;
}

/** Puts a definition back into a template body; empty parts are left out. */
function withDefinition(
  kind: TemplateMetadata["kind"],
  frame: Record<string, unknown>,
  definition: Definition,
): Record<string, unknown> {
  const parts: Record<string, unknown> = {};
  if (Object.keys(definition.settings).length > 0) {
    parts.settings = nestSettings(definition.settings);
  }
  if (Object.keys(definition.mappings).length > 0) parts.mappings = definition.mappings;
  if (Object.keys(definition.aliases).length > 0) parts.aliases = definition.aliases;
  if (kind === "legacy") return { ...frame, ...parts };
  const inner = { ...(isRecord(frame.template) ? frame.template : {}), ...parts };
  // A component template must have `template`; an index template may go without.
  if (kind === "index" && Object.keys(inner).length === 0) return frame;
  return { ...frame, template: inner };
}

/** A template as the target should have it, with the body for its create request. */
export function transformTemplate(
  template: TemplateMetadata,
  context: RuleContext,
): TemplateTransformResult {
  const transformations: Transformation[] = [];
  const record = (rule: string, detail: string) =>
    transformations.push({ subject: template.name, subjectKind: template.kind, rule, detail });
  const framed = runRules<TemplateBody>(
    TEMPLATE_RULES,
    { kind: template.kind, body: template.body },
    context,
    record,
  );
  const start = templateDefinition(framed.value);
  if (framed.unsupported) {
    return {
      definition: start,
      transformations,
      unsupported: framed.unsupported,
      body: template.body,
    };
  }
  const { value, unsupported } = runRules(DEFINITION_RULES, start, context, record);
  const body = withDefinition(template.kind, templateFrame(framed.value), value);
  return { definition: value, transformations, body, ...(unsupported ? { unsupported } : {}) };
}

/**
 * The setting key in a create error for a setting the target does not accept, as OpenSearch
 * (and Elasticsearch) word it: "unknown setting [index.foo] please check that any required
 * plugins are installed...", "unknown setting [index.foo] did you mean [index.bar]?", or
 * "private index setting [index.foo] can not be set explicitly". `undefined` for any other error
 * (a bad value is not a reason to drop the setting).
 */
export function parseRejectedSettingKey(reason: string): string | undefined {
  return reason.match(/\b(?:unknown setting|private index setting) \[([^\]\s]+)\]/)?.[1];
}

/**
 * The creation without one setting the target refused, for the single retry of the apply step;
 * `undefined` when the body does not carry that key (a retry would fail the same way). Settings
 * may be nested or flat, with or without the `index.` prefix; the creation is not changed.
 */
export function stripRejectedSetting<C extends Creation>(creation: C, key: string): C | undefined {
  if (!("body" in creation)) return undefined;
  const body = structuredClone(creation.body) as Record<string, unknown>;
  const holder = creation.kind === "index" || creation.kind === "legacy"
    ? body
    : isRecord(body.template)
    ? body.template
    : undefined;
  if (!holder || !isRecord(holder.settings)) return undefined;
  const full = key.startsWith("index.") ? key : `index.${key}`;
  const short = full.slice("index.".length);
  let removed = false;
  for (const candidate of [full, short]) {
    removed = removePath(holder.settings, candidate.split(".")) || removed;
  }
  return removed ? { ...creation, body } : undefined;
}

/**
 * Removes a setting wherever its dotted path may be split between nesting and dotted keys
 * (`{index: {"mapping.x": 1}}`, `{"index.mapping": {x: 1}}`, ...), and prunes objects it empties.
 */
function removePath(node: Record<string, unknown>, parts: string[]): boolean {
  let removed = false;
  for (let taken = 1; taken <= parts.length; taken++) {
    const key = parts.slice(0, taken).join(".");
    if (!(key in node)) continue;
    if (taken === parts.length) {
      delete node[key];
      removed = true;
      continue;
    }
    const child = node[key];
    if (isRecord(child) && removePath(child, parts.slice(taken))) {
      removed = true;
      if (Object.keys(child).length === 0) delete node[key];
    }
  }
  return removed;
}
