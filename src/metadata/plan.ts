/**
 * Decides, from two snapshots, what happens to every index and template: create, fill, leave
 * alone (identical or conflicting), or skip (excluded, unhealthy, unsupported). Pure data in,
 * pure data out; the report prints it and the apply step carries it out.
 */
import { emptyBuckets } from "./buckets.ts";
import { diffDefinitions, diffTemplates } from "./diff.ts";
import { planPipelines } from "./pipelines.ts";
import { canonicalSettings, isClusterOwnedIndex, isHidden } from "./normalize.ts";
import { selector } from "./selection.ts";
import { decideTemplates, templateKey, templatePatterns } from "./template-selection.ts";
import type { RuleContext } from "./transform/rule.ts";
import {
  indexCreationBody,
  indexDefinition,
  templateDefinition,
  transformIndex,
  transformTemplate,
} from "./transform.ts";
import type {
  Buckets,
  ClusterSnapshot,
  Creation,
  DataStreamBuckets,
  DataStreamEntry,
  DataStreamMetadata,
  Difference,
  IndexMetadata,
  Inventory,
  LeftOut,
  MigrationPlan,
  PlanOptions,
  TemplateDecision,
  TemplateKind,
  TemplateMetadata,
  Transformation,
} from "./types.ts";

/** Defaults: every index that is not a system or hidden one, red ones skipped. */
export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  include: [],
  exclude: [],
  includeRegex: [],
  excludeRegex: [],
  allowRed: false,
};

export { emptyBuckets } from "./buckets.ts";

const byName = <T extends { name: string }>(a: T, b: T) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * Builds the plan. `targetPlugins` (the target's `_cat/plugins` component names) lets rules
 * that need a plugin, such as k-NN, know whether it is there.
 *
 * Templates follow the index selection (`options.templates`, see template-selection.ts); the
 * cluster's own templates (see {@link isSystemTemplate}) are always excluded.
 */
export function buildPlan(
  source: ClusterSnapshot,
  target: ClusterSnapshot,
  options: PlanOptions = DEFAULT_PLAN_OPTIONS,
  targetPlugins: readonly string[] = [],
): MigrationPlan {
  const context: RuleContext = { source: source.version, target: target.version, targetPlugins };
  const chosen = selectDataStreams(source, options);
  const indices = planIndices(source.indices, target.indices, options, context, chosen.backing);
  // Templates follow the selected indices and data streams; a backing index stands for its stream.
  const selectedIndices = [
    ...source.indices
      .filter((index) => !indices.buckets.excluded.includes(index.name))
      .filter((index) => !chosen.backing.has(index.name))
      .map((index) => index.name),
    ...chosen.selected.map((stream) => stream.name),
  ];
  const decisions = decideTemplates(
    source.templates.filter((template) => !isSystemTemplate(template)),
    selectedIndices,
    options,
  );
  const templates = planTemplates(source.templates, target.templates, decisions, context);
  const streams = planDataStreams(chosen, source, target, templates.buckets.index);
  const users = usersOfPipelines(indices.buckets);
  const pipelines = planPipelines(source, target, {
    indices: source.indices.filter((index) => users.has(index.name)),
    templates: source.templates.filter((template) =>
      decisions.get(templateKey(template.kind, template.name))?.migrates
    ),
  }, options.ingestPipelines);
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
    indices: indices.buckets,
    left_out: indices.leftOut,
    data_streams: streams.buckets,
    inventory: inventoryOf(source, indices, streams),
    templates: templates.buckets,
    ingest_pipelines: pipelines.buckets,
    template_selection: {
      mode: options.templates ?? "matching",
      decisions: [...decisions.values()],
    },
    documents: documentsOf({ ...indices.documents, ...streams.documents }, source.indices),
    transformations: [...templates.transformations, ...indices.transformations],
    // Templates first: an index or data stream created afterwards is shaped by the templates it
    // matches, so they must already be those of the source.
    // Pipelines before all: what the templates and indices name must exist when they are used.
    creations: [
      ...pipelines.creations,
      ...templates.creations,
      ...streams.creations,
      ...indices.creations,
    ],
  };
}

/** The source indices whose pipelines matter: migrated, or already on the target as they are. */
function usersOfPipelines(buckets: Buckets): Set<string> {
  return new Set([
    ...buckets.create,
    ...buckets.identical_empty,
    ...buckets.identical,
    ...buckets.partially_filled.map(({ name }) => name),
  ]);
}

function documentsOf(
  perIndex: Record<string, number>,
  sourceIndices: readonly IndexMetadata[],
): MigrationPlan["documents"] {
  const total = Object.values(perIndex).reduce((sum, count) => sum + count, 0);
  const bytes = Object.fromEntries(
    sourceIndices.flatMap((index) =>
      index.name in perIndex && index.primaryBytes !== undefined
        ? [[index.name, index.primaryBytes]]
        : []
    ),
  );
  return {
    total,
    per_index: perIndex,
    ...(Object.keys(bytes).length > 0 ? { primary_bytes: bytes } : {}),
  };
}

/**
 * Indices and data streams whose documents a data migration will move: created now, or
 * identical and empty, and with `withPartial` (a run that continues or restarts them) the
 * partially filled ones.
 */
export function migratingIndices(plan: MigrationPlan, withPartial = false): string[] {
  const streams = plan.data_streams;
  return [
    ...plan.indices.create,
    ...plan.indices.identical_empty,
    ...(withPartial ? plan.indices.partially_filled.map(({ name }) => name) : []),
    ...streams.create.map(({ name }) => name),
    ...streams.identical_empty.map(({ name }) => name),
    ...(withPartial ? streams.partially_filled.map(({ name }) => name) : []),
  ].sort();
}

/**
 * The migrating data streams of a plan, each with its source backing indices oldest first: what
 * an engine copies generation by generation.
 */
export function migratingDataStreams(
  plan: MigrationPlan,
  withPartial = false,
): Record<string, string[]> {
  const streams = plan.data_streams;
  const entries = [
    ...streams.create,
    ...streams.identical_empty,
    ...(withPartial ? streams.partially_filled : []),
  ];
  return Object.fromEntries(entries.map((entry) => [entry.name, entry.backing_indices]));
}

interface IndexPlan {
  buckets: Buckets;
  documents: Record<string, number>;
  transformations: Transformation[];
  creations: Creation[];
  leftOut: LeftOut[];
  /** How many of `buckets.excluded` are the cluster's own (dot names), not the selection's. */
  system: number;
}

/** Why a users' hidden index is left out, and the flag that takes it. */
const HIDDEN_LEFT_OUT = {
  reason: "hidden (index.hidden: true): left out by default, as the cluster's own indices are",
  flag: "--include-hidden",
};

function planIndices(
  sourceIndices: readonly IndexMetadata[],
  targetIndices: readonly IndexMetadata[],
  options: PlanOptions,
  context: RuleContext,
  backing: ReadonlySet<string>,
): IndexPlan {
  const plan: IndexPlan = {
    buckets: emptyBuckets(),
    documents: {},
    transformations: [],
    creations: [],
    leftOut: [],
    system: 0,
  };
  const { buckets } = plan;
  const selected = selector(options);
  const onTarget = new Map(targetIndices.map((index) => [index.name, index]));
  for (const index of [...sourceIndices].sort(byName)) {
    // A data stream's backing index is accounted for, and migrated or named, with its stream.
    if (backing.has(index.name)) continue;
    if (isClusterOwnedIndex(index.name, index.settings)) {
      buckets.excluded.push(index.name);
      plan.system++;
      continue;
    }
    if (!selected(index.name)) {
      buckets.excluded.push(index.name);
      continue;
    }
    if (isHidden(index.settings) && !options.includeHidden) {
      plan.leftOut.push({ name: index.name, ...HIDDEN_LEFT_OUT });
      continue;
    }
    if (index.state === "close") {
      buckets.unhealthy.push({
        name: index.name,
        reason: "closed: its documents cannot be read; open it on the source to migrate it",
      });
      continue;
    }
    if (index.health === "red" && !options.allowRed) {
      buckets.unhealthy.push({
        name: index.name,
        reason: "red: some primary shards are unassigned, so documents would be missing " +
          "(--allow-red takes it anyway)",
      });
      continue;
    }
    const result = transformIndex(index, context);
    if (result.unsupported) {
      buckets.unsupported.push({ name: index.name, reason: result.unsupported });
      continue;
    }
    const existing = onTarget.get(index.name);
    if (!existing) {
      buckets.create.push(index.name);
      plan.transformations.push(...result.transformations);
      plan.creations.push({
        kind: "index",
        name: index.name,
        body: indexCreationBody(result.definition),
      });
      plan.documents[index.name] = index.documents;
      continue;
    }
    const differences = diffDefinitions(result.definition, indexDefinition(existing));
    if (existing.state === "close") {
      // Its definition may match, but nothing can be written into it.
      differences.unshift({ path: "state", source: "open", target: "close" });
    }
    if (differences.length > 0) {
      buckets.conflicting.push({ name: index.name, differences });
    } else if (existing.documents === 0) {
      buckets.identical_empty.push(index.name);
      // What the rules did explains why the target compares identical to the source.
      plan.transformations.push(...result.transformations);
      plan.documents[index.name] = index.documents;
    } else if (existing.documents < index.documents) {
      buckets.partially_filled.push({
        name: index.name,
        source_documents: index.documents,
        target_documents: existing.documents,
      });
      plan.documents[index.name] = index.documents;
    } else {
      buckets.identical.push(index.name);
    }
  }
  return plan;
}

/** The source's data streams, sorted by the selection. */
interface DataStreamSelection {
  /** Selected user streams. */
  selected: DataStreamMetadata[];
  excluded: string[];
  /** Every backing index of every stream of the source, selected or not. */
  backing: Set<string>;
  /** The cluster's own streams (hidden or system), left out. */
  system: number;
}

/**
 * The source's data streams: selected when their name (or one of their backing indices' names)
 * matches the selection; the cluster's own are counted apart.
 */
function selectDataStreams(source: ClusterSnapshot, options: PlanOptions): DataStreamSelection {
  const selected = selector(options);
  const selection: DataStreamSelection = {
    selected: [],
    excluded: [],
    backing: new Set(source.dataStreams.flatMap((stream) => stream.indices)),
    system: 0,
  };
  for (const stream of [...source.dataStreams].sort(byName)) {
    if (stream.system) selection.system++;
    else if (selected(stream.name) || stream.indices.some((index) => selected(index))) {
      selection.selected.push(stream);
    } else selection.excluded.push(stream.name);
  }
  return selection;
}

interface DataStreamPlan extends DataStreamSelection {
  buckets: DataStreamBuckets;
  documents: Record<string, number>;
  creations: Creation[];
}

/**
 * What happens to each selected stream: created after its index template (which must be on the
 * target by then), filled when on the target and empty, continued when partly filled, left alone
 * when the target holds as many documents; refused, with the reason, when the target holds a
 * plain index of that name or its template will not be there.
 */
function planDataStreams(
  chosen: DataStreamSelection,
  source: ClusterSnapshot,
  target: ClusterSnapshot,
  indexTemplates: Buckets,
): DataStreamPlan {
  const plan: DataStreamPlan = {
    ...chosen,
    buckets: {
      create: [],
      identical_empty: [],
      identical: [],
      partially_filled: [],
      unsupported: [],
      excluded: chosen.excluded,
    },
    documents: {},
    creations: [],
  };
  const { buckets } = plan;
  const count = documentCounter(source.indices);
  const countOnTarget = documentCounter(target.indices);
  const onTarget = new Map(target.dataStreams.map((stream) => [stream.name, stream]));
  const targetIndices = new Set(target.indices.map((index) => index.name));
  for (const stream of chosen.selected) {
    const entry: DataStreamEntry = {
      name: stream.name,
      ...(stream.template ? { template: stream.template } : {}),
      timestamp_field: stream.timestampField,
      backing_indices: stream.indices,
      documents: count(stream.indices),
    };
    const existing = onTarget.get(stream.name);
    if (existing) {
      const documents = countOnTarget(existing.indices);
      if (documents >= entry.documents) {
        buckets.identical.push(stream.name);
        continue;
      }
      if (documents === 0) buckets.identical_empty.push(entry);
      else buckets.partially_filled.push({ ...entry, target_documents: documents });
      plan.documents[stream.name] = entry.documents;
      continue;
    }
    const reason = targetIndices.has(stream.name)
      ? "the target holds a plain index of that name, which a data stream cannot replace"
      : missingTemplate(stream, indexTemplates);
    if (reason) {
      buckets.unsupported.push({ ...entry, reason });
      continue;
    }
    buckets.create.push(entry);
    plan.documents[stream.name] = entry.documents;
    plan.creations.push({ kind: "data-stream", name: stream.name });
  }
  return plan;
}

/** Sums the documents of the named indices of a snapshot. */
function documentCounter(indices: readonly IndexMetadata[]): (names: string[]) => number {
  const documents = new Map(indices.map((index) => [index.name, index.documents]));
  return (names) => names.reduce((sum, name) => sum + (documents.get(name) ?? 0), 0);
}

/** Why a stream's index template will not be on the target to create the stream from. */
function missingTemplate(stream: DataStreamMetadata, indexTemplates: Buckets): string | undefined {
  const name = stream.template;
  if (!name) return "the source names no index template for it, so none can shape it on the target";
  if (indexTemplates.create.includes(name) || indexTemplates.identical.includes(name)) return;
  const unsupported = indexTemplates.unsupported.find((entry) => entry.name === name);
  if (unsupported) return `its index template ${name} is not migratable: ${unsupported.reason}`;
  const conflicting = indexTemplates.conflicting.find((entry) => entry.name === name);
  if (conflicting) {
    return `its index template ${name} is on the target with another definition ` +
      `(first difference: ${conflicting.differences[0]?.path ?? "?"})`;
  }
  return `its index template ${name} is not migrated (--templates); the target needs it first`;
}

/** Counts every index and data stream of the source in the one place the plan put it. */
function inventoryOf(
  source: ClusterSnapshot,
  indices: IndexPlan,
  streams: DataStreamPlan,
): Inventory {
  const { buckets } = indices;
  const onSource = new Set(source.indices.map((index) => index.name));
  return {
    indices: {
      source: source.indices.length,
      migrating: buckets.create.length + buckets.identical_empty.length +
        buckets.partially_filled.length,
      identical: buckets.identical.length,
      not_migratable: buckets.conflicting.length + buckets.unhealthy.length +
        buckets.unsupported.length,
      excluded: buckets.excluded.length - indices.system,
      system: indices.system,
      hidden: indices.leftOut.length,
      // A stream may name a backing index the index listing has not caught up with yet.
      backing: [...streams.backing].filter((name) => onSource.has(name)).length,
    },
    data_streams: {
      source: source.dataStreams.length,
      migrating: streams.buckets.create.length + streams.buckets.identical_empty.length +
        streams.buckets.partially_filled.length,
      identical: streams.buckets.identical.length,
      not_migratable: streams.buckets.unsupported.length,
      excluded: streams.buckets.excluded.length,
      system: streams.system,
    },
  };
}

interface TemplatePlan {
  buckets: MigrationPlan["templates"];
  transformations: Transformation[];
  creations: Creation[];
}

/** Template kinds in apply order: index templates compose component templates. */
const TEMPLATE_KINDS: readonly TemplateKind[] = ["component", "index", "legacy"];

const CREATION_KIND: Readonly<Record<TemplateKind, "component" | "index-template" | "legacy">> = {
  component: "component",
  index: "index-template",
  legacy: "legacy",
};

function planTemplates(
  sourceTemplates: readonly TemplateMetadata[],
  targetTemplates: readonly TemplateMetadata[],
  decisions: ReadonlyMap<string, TemplateDecision>,
  context: RuleContext,
): TemplatePlan {
  const plan: TemplatePlan = {
    buckets: { component: emptyBuckets(), index: emptyBuckets(), legacy: emptyBuckets() },
    transformations: [],
    creations: [],
  };
  const onTarget = new Map(targetTemplates.map((t) => [`${t.kind}/${t.name}`, t]));
  for (const kind of TEMPLATE_KINDS) {
    const buckets = plan.buckets[kind];
    for (const template of sourceTemplates.filter((t) => t.kind === kind).sort(byName)) {
      if (
        isSystemTemplate(template) || !decisions.get(templateKey(kind, template.name))?.migrates
      ) {
        buckets.excluded.push(template.name);
        continue;
      }
      const result = transformTemplate(template, context);
      const missing = kind === "index"
        ? missingComponents(template, plan.buckets.component, targetTemplates)
        : [];
      const unsupported = result.unsupported ??
        (missing.length > 0
          ? `composed_of names component template(s) ${missing.join(", ")}, which will not ` +
            "exist on the target (excluded, not migratable, or missing on the source)"
          : undefined);
      if (unsupported) {
        buckets.unsupported.push({ name: template.name, reason: unsupported });
        continue;
      }
      const existing = onTarget.get(`${kind}/${template.name}`);
      if (!existing) {
        buckets.create.push(template.name);
        plan.transformations.push(...result.transformations);
        plan.creations.push({ kind: CREATION_KIND[kind], name: template.name, body: result.body });
        continue;
      }
      const differences: Difference[] = diffTemplates(kind, result.body, existing);
      if (differences.length > 0) buckets.conflicting.push({ name: template.name, differences });
      else buckets.identical.push(template.name);
    }
  }
  return plan;
}

/** Component templates an index template composes that the target will not have. */
function missingComponents(
  template: TemplateMetadata,
  components: Buckets,
  targetTemplates: readonly TemplateMetadata[],
): string[] {
  const composedOf = Array.isArray(template.body.composed_of)
    ? template.body.composed_of.map(String)
    : [];
  const available = new Set([
    ...components.create,
    ...targetTemplates.filter((t) => t.kind === "component").map((t) => t.name),
  ]);
  return composedOf.filter((name) => !available.has(name));
}

/**
 * Templates that belong to the cluster, not to its users: named like system indices (`.name`),
 * marked `_meta.managed` (Elasticsearch's built-ins: logs, metrics, `*@mappings`, ...), only
 * for system index patterns (`.security-*`, `.kibana*`), or creating hidden indices
 * (`ilm-history`, `.slm-history`).
 */
export function isSystemTemplate(
  template: Pick<TemplateMetadata, "name" | "kind" | "body">,
): boolean {
  if (template.name.startsWith(".")) return true;
  const meta = template.body._meta as { managed?: unknown } | undefined;
  if (meta?.managed === true) return true;
  const list = templatePatterns(template);
  if (list.length > 0 && list.every((pattern) => pattern.startsWith("."))) return true;
  return canonicalSettings(templateDefinition(template).settings)["index.hidden"] === "true";
}
