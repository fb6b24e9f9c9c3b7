/**
 * Which ingest pipelines migrate, and what becomes of each. Indices and templates name pipelines
 * in `index.default_pipeline` and `index.final_pipeline`, and a pipeline may call others (the
 * `pipeline` processor): with `--ingest-pipelines referenced` (the default) those of the selected
 * indices and migrating templates migrate, with what they call; `all` takes every user pipeline,
 * `none` none. A pipeline is created when missing on the target, left alone when identical, named
 * when the target holds another definition under its id, and not migratable when it uses a
 * processor the target's ingest nodes lack (the rule `require-target-processors`). Pure.
 */
import { emptyBuckets } from "./buckets.ts";
import { canonicalSettings, isRecord } from "./normalize.ts";
import type {
  Buckets,
  ClusterSnapshot,
  Creation,
  Difference,
  PipelineMode,
  TemplateMetadata,
} from "./types.ts";
import { templateDefinition } from "./transform.ts";

/** The settings that name a pipeline. */
const PIPELINE_SETTINGS = ["index.default_pipeline", "index.final_pipeline"] as const;

/** What the selection hands the pipeline step: flat settings of what migrates. */
export interface PipelineUsers {
  /** Selected source indices' settings, by name. */
  indices: Array<{ name: string; settings: Record<string, unknown> }>;
  /** Migrating templates. */
  templates: TemplateMetadata[];
}

/** The pipeline step's result. */
export interface PipelinePlan {
  buckets: Buckets & { mode: PipelineMode };
  creations: Creation[];
}

/** Decides every pipeline of the source; see the module header. */
export function planPipelines(
  source: ClusterSnapshot,
  target: ClusterSnapshot,
  users: PipelineUsers,
  mode: PipelineMode = "referenced",
): PipelinePlan {
  const plan: PipelinePlan = { buckets: { ...emptyBuckets(), mode }, creations: [] };
  const { buckets } = plan;
  const pipelines = source.pipelines ?? {};
  const onTarget = target.pipelines ?? {};
  const wanted = mode === "all"
    ? new Set(Object.keys(pipelines).filter((id) => !isSystemPipeline(id, pipelines[id])))
    : mode === "none"
    ? new Set<string>()
    : withCalled(referencedPipelines(users), pipelines);
  for (const id of Object.keys(pipelines).sort()) {
    if (!wanted.has(id)) buckets.excluded.push(id);
  }
  for (const id of [...wanted].sort()) {
    const body = pipelines[id];
    if (body === undefined) {
      if (onTarget[id] === undefined) {
        buckets.unsupported.push({
          name: id,
          reason: "named by the selection, but on neither cluster",
        });
      }
      continue;
    }
    const lacking = missingProcessors(body, target.processors);
    if (lacking.length > 0) {
      buckets.unsupported.push({
        name: id,
        reason: `require-target-processors: processor ${lacking.join(", ")} is not on the ` +
          "target's ingest nodes (add the module or plugin that provides it)",
      });
      continue;
    }
    const existing = onTarget[id];
    if (existing === undefined) {
      buckets.create.push(id);
      plan.creations.push({ kind: "ingest-pipeline", name: id, body });
      continue;
    }
    const differences = diffJson(body, existing);
    if (differences.length === 0) buckets.identical.push(id);
    else buckets.conflicting.push({ name: id, differences });
  }
  return plan;
}

/** Pipelines the selected indices and migrating templates name in their settings. */
export function referencedPipelines(users: PipelineUsers): Set<string> {
  const named = new Set<string>();
  const add = (settings: Record<string, unknown>) => {
    const flat = canonicalSettings(settings);
    for (const key of PIPELINE_SETTINGS) {
      const id = flat[key];
      if (id !== undefined && id !== "_none" && id !== "") named.add(id);
    }
  };
  for (const index of users.indices) add(index.settings);
  for (const template of users.templates) add(templateDefinition(template).settings);
  return named;
}

/** `ids` with every pipeline they call (`pipeline` processors), transitively. */
function withCalled(
  ids: ReadonlySet<string>,
  pipelines: Readonly<Record<string, Record<string, unknown>>>,
): Set<string> {
  const all = new Set(ids);
  const queue = [...ids];
  while (queue.length > 0) {
    const body = pipelines[queue.shift()!];
    if (body === undefined) continue;
    for (const called of calledPipelines(body)) {
      if (!all.has(called)) {
        all.add(called);
        queue.push(called);
      }
    }
  }
  return all;
}

/** Every processor of a pipeline body, nested ones (`on_failure`, `foreach`) included. */
function processorsOf(body: unknown): Array<{ type: string; config: Record<string, unknown> }> {
  const found: Array<{ type: string; config: Record<string, unknown> }> = [];
  const visitList = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const processor of list) {
      if (!isRecord(processor)) continue;
      for (const [type, config] of Object.entries(processor)) {
        if (!isRecord(config)) continue;
        found.push({ type, config });
        visitList(config.on_failure);
        if (isRecord(config.processor)) visitList([config.processor]);
      }
    }
  };
  if (isRecord(body)) {
    visitList(body.processors);
    visitList(body.on_failure);
  }
  return found;
}

/** The pipelines a body calls by a fixed name (a templated name cannot be followed). */
function calledPipelines(body: Record<string, unknown>): string[] {
  return processorsOf(body)
    .filter(({ type, config }) =>
      type === "pipeline" && typeof config.name === "string" && !config.name.includes("{{")
    )
    .map(({ config }) => config.name as string);
}

/** Processor types of `body` the target lacks; none when the target's list is unknown. */
export function missingProcessors(
  body: Record<string, unknown>,
  available: readonly string[] | undefined,
): string[] {
  if (available === undefined) return [];
  const types = new Set(processorsOf(body).map(({ type }) => type));
  return [...types].filter((type) => !available.includes(type)).sort();
}

/** The cluster's own pipelines: dot names, or `_meta.managed` (Elasticsearch's built-ins). */
export function isSystemPipeline(id: string, body: Record<string, unknown>): boolean {
  if (id.startsWith(".")) return true;
  const meta = body._meta;
  return isRecord(meta) && meta.managed === true;
}

/** Differences between two JSON values, by dotted path (arrays compared whole). */
function diffJson(source: unknown, target: unknown, path = ""): Difference[] {
  if (isRecord(source) && isRecord(target)) {
    const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort();
    return keys.flatMap((key) => diffJson(source[key], target[key], path ? `${path}.${key}` : key));
  }
  const a = source === undefined ? undefined : JSON.stringify(source);
  const b = target === undefined ? undefined : JSON.stringify(target);
  if (a === b) return [];
  return [{
    path: path || "(body)",
    ...(a !== undefined ? { source: a } : {}),
    ...(b !== undefined ? { target: b } : {}),
  }];
}
