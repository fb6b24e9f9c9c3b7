/**
 * The plan for people (text, grouped as the original tool printed it) and for programs (the
 * JSON of docs/architecture.md). Pure.
 */
import type {
  Buckets,
  DataStreamEntry,
  Difference,
  MigrationPlan,
  TemplateKind,
  Transformation,
} from "./types.ts";
import { plural } from "../text.ts";

/** A transformation as the JSON report names it: keys in snake_case, as all of the report. */
export interface TransformationJson {
  subject: string;
  subject_kind: Transformation["subjectKind"];
  rule: string;
  detail: string;
}

/** The JSON report: the plan without the create bodies. */
export type PlanReport = Omit<MigrationPlan, "creations" | "transformations"> & {
  transformations: TransformationJson[];
};

/**
 * The plan as JSON (docs/architecture.md): everything but the create bodies; URLs without credentials; every key
 * snake_case.
 */
export function planToJson(plan: MigrationPlan): PlanReport {
  const { creations: _, ...report } = plan;
  return {
    ...report,
    source: { ...report.source, url: withoutCredentials(report.source.url) },
    target: { ...report.target, url: withoutCredentials(report.target.url) },
    transformations: report.transformations.map(({ subject, subjectKind, rule, detail }) => ({
      subject,
      subject_kind: subjectKind,
      rule,
      detail,
    })),
  };
}

/** A URL with any `user:password@` removed (snapshots should carry none; this makes sure). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.href.replace(/\/$/, url.endsWith("/") ? "/" : "");
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

const INDENT = "  ";

/** Which sections a report shows: all, or those with entries (and the original four groups). */
interface Shown {
  all: boolean;
  originalGroups: boolean;
}

/** What a left-out section becomes, dropped before the report is joined. */
const LEFT_OUT = "\u0000";

/** "logs-app (template logs, @timestamp): 2 backing indices, 120 documents". */
function describeStream(entry: DataStreamEntry): string {
  const template = entry.template ? `template ${entry.template}, ` : "";
  return `${entry.name} (${template}${entry.timestamp_field}): ` +
    `${plural(entry.backing_indices.length, "backing index", "backing indices")} ` +
    `(${entry.backing_indices.join(", ")}), ${plural(entry.documents, "document")}`;
}

/** A titled list; an empty one says "(none)" when it must be shown, else is left out. */
function section(title: string, lines: readonly string[], show = true): string {
  if (lines.length === 0 && !show) return LEFT_OUT;
  const body = lines.length > 0 ? lines.map((line) => INDENT + line) : [`${INDENT}(none)`];
  return [title, ...body].join("\n");
}

/** One line per difference, under the name it belongs to. */
export function formatDifference(difference: Difference): string {
  return `- ${difference.path}: ${difference.source ?? "(absent)"} ≠ ${
    difference.target ?? "(absent)"
  }`;
}

function conflictLines(buckets: Buckets): string[] {
  return buckets.conflicting.flatMap(({ name, differences }) => [
    name,
    ...differences.map((difference) => INDENT + formatDifference(difference)),
  ]);
}

const TEMPLATE_TITLES: Readonly<Record<TemplateKind, string>> = {
  component: "Component templates",
  index: "Index templates",
  legacy: "Legacy templates",
};

function pipelineSection(plan: MigrationPlan, all: boolean): string {
  const buckets = plan.ingest_pipelines;
  return joinShown([
    section("Ingest pipelines identical in the target cluster:", buckets.identical, all),
    section(
      "Ingest pipelines present in both clusters with conflicting definitions (left as they are):",
      conflictLines(buckets),
      all,
    ),
    section("Ingest pipelines to be created in the target cluster:", buckets.create, all),
    section(
      "Ingest pipelines that cannot be migrated as they are:",
      buckets.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    section(
      `Ingest pipelines left out (--ingest-pipelines ${buckets.mode}):`,
      buckets.excluded,
      all,
    ),
  ]);
}

function templateSection(plan: MigrationPlan, kind: TemplateKind, all: boolean): string {
  const title = TEMPLATE_TITLES[kind];
  const buckets = plan.templates[kind];
  const reasons = new Map(
    plan.template_selection.decisions.filter((decision) => decision.kind === kind)
      .map((decision) => [decision.name, decision.reason]),
  );
  return joinShown([
    section(
      `${title} identical in the target cluster (no changes will be made):`,
      buckets.identical,
      all,
    ),
    section(
      `${title} present in both clusters with conflicting definitions (left as they are):`,
      conflictLines(buckets),
      all,
    ),
    section(`${title} to be created in the target cluster:`, buckets.create, all),
    section(
      `${title} that cannot be migrated as they are:`,
      buckets.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    section(
      `${title} left out (not for the selected indices, or the cluster's own):`,
      buckets.excluded.map((name) => `${name}: ${reasons.get(name) ?? "the cluster's own"}`),
      all,
    ),
  ]);
}

/** Sections joined, the left-out ones dropped, and never two blank lines in a row. */
function joinShown(parts: string[]): string {
  const kept = parts.filter((part) => part !== LEFT_OUT);
  if (kept.length === 0) return LEFT_OUT;
  return kept.filter((part, i) => part !== "" || (i > 0 && kept[i - 1] !== "")).join("\n");
}

/** Counts per bucket, a line for indices and one per template kind, for the report's head. */
export function planSummary(plan: MigrationPlan): string[] {
  const { indices } = plan;
  const counts = (buckets: Buckets, partial = false) =>
    [
      `${buckets.create.length} to create`,
      ...(partial ? [`${buckets.identical_empty.length} identical and empty`] : []),
      ...(partial ? [`${buckets.partially_filled.length} partially filled`] : []),
      `${buckets.identical.length} identical`,
      `${buckets.conflicting.length} conflicting`,
      ...(partial ? [`${buckets.unhealthy.length} unhealthy`] : []),
      `${buckets.unsupported.length} unsupported`,
    ].join(", ");
  const own = indices.excluded.filter((name) => !name.startsWith(".")).length;
  const hidden = plan.left_out.length;
  const streams = plan.data_streams;
  return [
    `Indices: ${counts(indices, true)}; ${own} excluded by the selection` +
    (hidden > 0 ? `; ${hidden} hidden left out (--include-hidden takes them)` : ""),
    ...(plan.inventory.data_streams.source > 0
      ? [
        `Data streams: ${streams.create.length} to create, ${streams.identical_empty.length} ` +
        `identical and empty, ${streams.partially_filled.length} partially filled, ` +
        `${streams.identical.length} identical, ${streams.unsupported.length} not migratable; ` +
        `${streams.excluded.length} excluded by the selection`,
      ]
      : []),
    ...(["component", "index", "legacy"] as const).map((kind) =>
      `${TEMPLATE_TITLES[kind]}: ${counts(plan.templates[kind])}`
    ),
    `Ingest pipelines: ${counts(plan.ingest_pipelines)}; ` +
    `${plan.ingest_pipelines.excluded.length} left out (--ingest-pipelines ${plan.ingest_pipelines.mode})`,
    `Documents to move: ${plan.documents.total}; transformations: ${plan.transformations.length}`,
  ];
}

/**
 * Human text for stderr: a summary of counts, then the sections that have entries (every one,
 * "(none)" included, with `all`): the original tool's four index groups (always, with
 * `originalGroups`, for scripts that parse them), what is skipped and why, the templates, every
 * transformation with its rule id, and the original tool's document total.
 */
export function formatPlanText(
  plan: MigrationPlan,
  shown: Partial<Shown> = {},
): string {
  const { all = false, originalGroups = false } = shown;
  const group = all || originalGroups;
  const { indices, documents } = plan;
  const streams = plan.data_streams;
  const system = indices.excluded.filter((name) => name.startsWith("."));
  const excluded = indices.excluded.filter((name) => !name.startsWith("."));
  return joinShown([
    `Source: ${plan.source.distribution} ${plan.source.version} at ${
      withoutCredentials(plan.source.url)
    }`,
    `Target: ${plan.target.distribution} ${plan.target.version} at ${
      withoutCredentials(plan.target.url)
    }`,
    "",
    ...planSummary(plan),
    "",
    section(
      "Identical indices in the target cluster (no changes will be made):",
      indices.identical,
      group,
    ),
    section(
      "Identical empty indices in the target cluster (data will be migrated):",
      indices.identical_empty,
      group,
    ),
    section(
      "Indices partially filled in the target cluster (run continues them from its journal, " +
        "or copies them again with --restart):",
      indices.partially_filled.map(({ name, source_documents, target_documents }) =>
        `${name}: partially filled: ${target_documents} of ${source_documents} documents`
      ),
      all,
    ),
    section(
      "Indices present in both clusters with conflicting settings/mappings " +
        "(data will not be migrated):",
      conflictLines(indices),
      group,
    ),
    section(
      "Indices to be created in the target cluster (data will be migrated):",
      indices.create,
      group,
    ),
    section(
      "Indices skipped as unhealthy (data will not be migrated):",
      indices.unhealthy.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    section(
      "Indices that cannot be migrated as they are (data will not be migrated):",
      indices.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    section(
      "Hidden indices left out (--include-hidden takes them):",
      plan.left_out.map(({ name }) => name),
      all,
    ),
    section(
      "Indices excluded by the selection" +
        (system.length > 0 ? ` (and ${plural(system.length, "system index")}, not listed)` : "") +
        ":",
      excluded,
      all,
    ),
    section(
      "Data streams to migrate (generation by generation: the target's k-th backing index " +
        "holds the source's k-th):",
      [
        ...streams.create.map((entry) => `${describeStream(entry)}: to create`),
        ...streams.identical_empty.map((entry) => `${describeStream(entry)}: on the target, empty`),
        ...streams.partially_filled.map((entry) =>
          `${describeStream(entry)}: on the target with ${
            plural(entry.target_documents, "document")
          }`
        ),
      ],
      all,
    ),
    section(
      "Data streams on the target already, as full (left as they are):",
      streams.identical,
      all,
    ),
    section(
      "Data streams not migratable (with their backing indices and documents):",
      streams.unsupported.map((entry) => `${describeStream(entry)}: ${entry.reason}`),
      all,
    ),
    section("Data streams excluded by the selection:", plan.data_streams.excluded, all),
    "",
    templateSection(plan, "component", all),
    templateSection(plan, "index", all),
    templateSection(plan, "legacy", all),
    pipelineSection(plan, all),
    "",
    section(
      "Transformations applied to what will be created or filled:",
      plan.transformations.map((t) => `${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`),
      all,
    ),
    "",
    `Total number of documents to be moved: ${documents.total}`,
  ]);
}
