/**
 * Decides, from two snapshots, what happens to every index and template: create, fill, leave
 * alone (identical or conflicting), or skip (excluded, unhealthy, unsupported). Pure data in,
 * pure data out; the report prints it and the apply step carries it out.
 */
import { diffDefinitions } from "./diff.ts";
import { canonicalSettings, isSystemIndex, isSystemTemplate, nestSettings } from "./normalize.ts";
import type { RuleContext } from "./rules.ts";
import {
  targetDefinition,
  templateDefinition,
  transformIndex,
  transformTemplate,
} from "./transform.ts";
import type {
  Buckets,
  ClusterSnapshot,
  Creation,
  Difference,
  MigrationPlan,
  PlanOptions,
  TemplateKind,
  TemplateMetadata,
  Transformation,
} from "./types.ts";

/** Defaults: every non-system index, red ones skipped. */
export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  include: [],
  exclude: [],
  includeRegex: [],
  excludeRegex: [],
  allowRed: false,
};

function emptyBuckets(): Buckets {
  return {
    create: [],
    identical_empty: [],
    identical: [],
    conflicting: [],
    excluded: [],
    unhealthy: [],
    unsupported: [],
  };
}

/** `logs-*` → /^logs-.*$/: `*` any run of characters, `?` one character, the rest literal. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(
    /\?/g,
    ".",
  );
  return new RegExp(`^${escaped}$`);
}

/** A Data Prepper `index_name_regex` matches the whole name (Java's `Matcher.matches()`). */
function fullMatch(regex: string): RegExp {
  return new RegExp(`^(?:${regex})$`);
}

/** Whether the selection options take this index name. */
export function isSelected(name: string, options: PlanOptions): boolean {
  const included = options.include.length === 0 && options.includeRegex.length === 0 ||
    options.include.some((glob) => globToRegExp(glob).test(name)) ||
    options.includeRegex.some((regex) => fullMatch(regex).test(name));
  const excluded = options.exclude.some((glob) => globToRegExp(glob).test(name)) ||
    options.excludeRegex.some((regex) => fullMatch(regex).test(name));
  return included && !excluded;
}

/** Builds the plan. `targetPlugins` lets rules that need a plugin (k-NN) know it is there. */
export function buildPlan(
  source: ClusterSnapshot,
  target: ClusterSnapshot,
  options: PlanOptions = DEFAULT_PLAN_OPTIONS,
  targetPlugins: string[] = [],
): MigrationPlan {
  const context: RuleContext = { source: source.version, target: target.version, targetPlugins };
  const transformations: Transformation[] = [];
  const creations: Creation[] = [];
  const indices = emptyBuckets();
  const perIndex: Record<string, number> = {};
  const targetIndices = new Map(target.indices.map((index) => [index.name, index]));

  for (const index of source.indices) {
    const settings = canonicalSettings(index.settings);
    if (isSystemIndex(index.name, settings) || !isSelected(index.name, options)) {
      indices.excluded.push(index.name);
      continue;
    }
    if (index.state === "close") {
      indices.unhealthy.push({ name: index.name, reason: "closed: open it to migrate it" });
      continue;
    }
    if (index.health === "red" && !options.allowRed) {
      indices.unhealthy.push({
        name: index.name,
        reason: "red: some primary shards are unassigned (--allow-red to take it anyway)",
      });
      continue;
    }
    const result = transformIndex(index, context);
    if (result.unsupported) {
      indices.unsupported.push({ name: index.name, reason: result.unsupported });
      continue;
    }
    const existing = targetIndices.get(index.name);
    if (!existing) {
      indices.create.push(index.name);
      transformations.push(...result.transformations);
      creations.push({
        kind: "index",
        name: index.name,
        body: {
          settings: nestSettings(result.definition.settings),
          mappings: result.definition.mappings,
          aliases: result.definition.aliases,
        },
      });
      perIndex[index.name] = index.documents;
      continue;
    }
    const differences = diffDefinitions(result.definition, targetDefinition(existing));
    if (differences.length > 0) {
      indices.conflicting.push({ name: index.name, differences });
    } else if (existing.documents === 0) {
      indices.identical_empty.push(index.name);
      transformations.push(...result.transformations);
      perIndex[index.name] = index.documents;
    } else {
      indices.identical.push(index.name);
    }
  }

  const templates = {
    component: emptyBuckets(),
    index: emptyBuckets(),
    legacy: emptyBuckets(),
  };
  const templateCreations: Record<TemplateKind, Creation[]> = {
    component: [],
    index: [],
    legacy: [],
  };
  const targetTemplates = new Map(target.templates.map((t) => [`${t.kind}/${t.name}`, t]));
  for (const template of source.templates) {
    const buckets = templates[template.kind];
    if (isSystemTemplate(template.name) || isManaged(template)) {
      buckets.excluded.push(template.name);
      continue;
    }
    const result = transformTemplate(template, context);
    if (result.unsupported) {
      buckets.unsupported.push({ name: template.name, reason: result.unsupported });
      continue;
    }
    const existing = targetTemplates.get(`${template.kind}/${template.name}`);
    if (!existing) {
      buckets.create.push(template.name);
      transformations.push(...result.transformations);
      templateCreations[template.kind].push({
        kind: template.kind === "index"
          ? "index-template"
          : template.kind as "component" | "legacy",
        name: template.name,
        body: result.body,
      });
      continue;
    }
    const differences = diffTemplates(result.body, result.definition, existing);
    if (differences.length > 0) buckets.conflicting.push({ name: template.name, differences });
    else buckets.identical.push(template.name);
  }

  return {
    source: {
      url: source.url,
      distribution: source.version.distribution,
      version: source.version.version,
    },
    target: {
      url: target.url,
      distribution: target.version.distribution,
      version: target.version.version,
    },
    indices,
    templates,
    documents: {
      total: Object.values(perIndex).reduce((sum, count) => sum + count, 0),
      per_index: perIndex,
    },
    transformations,
    // Templates first, so indices created afterwards are not shaped by a template we add later.
    creations: [
      ...templateCreations.component,
      ...templateCreations.index,
      ...templateCreations.legacy,
      ...creations,
    ],
  };
}

/** Templates Elasticsearch installs and manages itself (`_meta.managed: true`). */
function isManaged(template: TemplateMetadata): boolean {
  const meta = template.body._meta as { managed?: boolean } | undefined;
  return meta?.managed === true;
}

const TEMPLATE_DEFINITION_KEYS = new Set(["settings", "mappings", "aliases", "template"]);

function diffTemplates(
  body: Record<string, unknown>,
  definition: ReturnType<typeof templateDefinition>,
  existing: TemplateMetadata,
): Difference[] {
  const differences = diffDefinitions(definition, templateDefinition(existing));
  const keys = [...new Set([...Object.keys(body), ...Object.keys(existing.body)])]
    .filter((key) => !TEMPLATE_DEFINITION_KEYS.has(key))
    .sort();
  for (const key of keys) {
    const a = body[key] === undefined ? undefined : JSON.stringify(body[key]);
    const b = existing.body[key] === undefined ? undefined : JSON.stringify(existing.body[key]);
    if (a !== b) differences.push({ path: key, source: a, target: b });
  }
  return differences;
}
