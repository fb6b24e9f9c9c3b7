/**
 * Which templates follow the index selection. `--include`/`--exclude` (and a pipeline's
 * `index_name_regex`) name indices; a template migrates with them when it can shape one of
 * them. With `--templates matching` (the default) an index or legacy template is in when one of
 * its patterns matches a selected source index, can match a name an include glob selects (or
 * any name, when nothing narrows the selection) without every such name being excluded, or its
 * own name is selected; a component template is in when an index template that is in composes
 * it, or its own name is selected. `all` takes every template (the cluster's own aside), `none` none. Every decision carries
 * its reason, for the plan. Pure.
 */
import { globToRegExp, selector } from "./selection.ts";
import type {
  PlanOptions,
  TemplateDecision,
  TemplateKind,
  TemplateMetadata,
  TemplateMode,
} from "./types.ts";

/** The template modes, for the flag's choices. */
export const TEMPLATE_MODES: readonly TemplateMode[] = ["all", "matching", "none"];

/** `kind/name`: templates of different kinds may share a name. */
export function templateKey(kind: TemplateKind, name: string): string {
  return `${kind}/${name}`;
}

/** The index patterns of an index or legacy template (ES 6 legacy ones may use `template`). */
export function templatePatterns(template: Pick<TemplateMetadata, "body">): string[] {
  const patterns = template.body.index_patterns ?? template.body.template;
  if (Array.isArray(patterns)) return patterns.map(String);
  return typeof patterns === "string" ? [patterns] : [];
}

/**
 * Decides every template of `templates` (the cluster's own already set aside by the caller)
 * against the indices the selection takes (`selectedIndices`, of the source).
 */
export function decideTemplates(
  templates: readonly TemplateMetadata[],
  selectedIndices: readonly string[],
  options: PlanOptions,
): Map<string, TemplateDecision> {
  const mode = options.templates ?? "matching";
  const decisions = new Map<string, TemplateDecision>();
  const decide = (template: TemplateMetadata, migrates: boolean, reason: string) =>
    decisions.set(templateKey(template.kind, template.name), {
      kind: template.kind,
      name: template.name,
      migrates,
      reason,
    });
  const patterned = templates.filter((template) => template.kind !== "component");
  for (const template of patterned) {
    if (mode !== "matching") {
      decide(template, mode === "all", `--templates ${mode}`);
    } else {
      const reason = whyItMatches(template, selectedIndices, options);
      decide(template, reason !== undefined, reason ?? noMatchReason(template));
    }
  }
  for (const template of templates.filter((t) => t.kind === "component")) {
    if (mode !== "matching") {
      decide(template, mode === "all", `--templates ${mode}`);
      continue;
    }
    const user = patterned.find((t) =>
      decisions.get(templateKey(t.kind, t.name))?.migrates && composes(t, template.name)
    );
    if (user) decide(template, true, `composed by index template ${user.name}, which migrates`);
    else if (nameSelected(template, options)) decide(template, true, "its name is selected");
    else decide(template, false, "no index template that migrates composes it");
  }
  return decisions;
}

function composes(template: TemplateMetadata, component: string): boolean {
  const composedOf = template.body.composed_of;
  return Array.isArray(composedOf) && composedOf.map(String).includes(component);
}

function noMatchReason(template: TemplateMetadata): string {
  const patterns = templatePatterns(template);
  return patterns.length === 0
    ? "it has no index patterns and its name is not selected"
    : `its patterns (${patterns.join(", ")}) match no selected index`;
}

/** Why a patterned template can shape a selected index, or undefined when it cannot. */
function whyItMatches(
  template: TemplateMetadata,
  selectedIndices: readonly string[],
  options: PlanOptions,
): string | undefined {
  const patterns = templatePatterns(template);
  for (const pattern of patterns) {
    const regex = globToRegExp(pattern);
    const index = selectedIndices.find((name) => regex.test(name));
    if (index !== undefined) return `pattern ${pattern} matches selected index ${index}`;
  }
  for (const pattern of patterns) {
    if (options.exclude.some((glob) => globCovers(glob, pattern))) continue;
    if (options.include.length === 0 && options.includeRegex.length === 0) {
      return `pattern ${pattern} can match indices the selection takes (nothing narrows it)`;
    }
    const glob = options.include.find((include) => globsIntersect(include, pattern));
    if (glob !== undefined && options.includeRegex.length === 0) {
      return `pattern ${pattern} can match names --include ${glob} selects`;
    }
  }
  return nameSelected(template, options) ? "its name is selected" : undefined;
}

/** Whether an include selects the template's own name. */
function nameSelected(template: TemplateMetadata, options: PlanOptions): boolean {
  // Without an include every name is "selected": the name says something only when one narrows.
  const narrowed = options.include.length > 0 || options.includeRegex.length > 0;
  return narrowed && selector(options)(template.name);
}

/**
 * Whether some name matches both globs (`*` any run, `?` one character). Dynamic programming
 * over both patterns: a `*` of either may take the other's next character, or nothing.
 */
export function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === "*") result = at(i + 1, j) || (j < b.length && at(i, j + 1));
    else if (b[j] === "*") result = at(i, j + 1) || (i < a.length && at(i + 1, j));
    else if (i === a.length || j === b.length) result = false;
    else result = (a[i] === "?" || b[j] === "?" || a[i] === b[j]) && at(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

/**
 * Whether every name `pattern` matches also matches `glob` (so an exclude glob removes them
 * all). Conservative: only a `*` of `glob` may stand for the wildcards of `pattern`.
 */
export function globCovers(glob: string, pattern: string): boolean {
  const memo = new Map<number, boolean>();
  const at = (i: number, j: number): boolean => {
    const key = i * (pattern.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === glob.length) result = j === pattern.length;
    else if (glob[i] === "*") result = at(i + 1, j) || (j < pattern.length && at(i, j + 1));
    else if (j === pattern.length) result = false;
    else if (glob[i] === "?") result = pattern[j] !== "*" && at(i + 1, j + 1);
    else {result = glob[i] === pattern[j] && pattern[j] !== "*" && pattern[j] !== "?" &&
        at(i + 1, j + 1);}
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}
