/**
 * The plan for people (text, grouped as the original tool printed it) and for programs (the
 * JSON of docs/architecture.md). Pure.
 */
import type { Buckets, Difference, MigrationPlan, TemplateKind, Transformation } from "./types.ts";
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

function section(title: string, lines: readonly string[]): string {
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

function templateSection(kind: TemplateKind, buckets: Buckets): string {
  const title = TEMPLATE_TITLES[kind];
  return [
    section(
      `${title} identical in the target cluster (no changes will be made):`,
      buckets.identical,
    ),
    section(
      `${title} present in both clusters with conflicting definitions (left as they are):`,
      conflictLines(buckets),
    ),
    section(`${title} to be created in the target cluster:`, buckets.create),
    section(
      `${title} that cannot be migrated as they are:`,
      buckets.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
    ),
    section(`${title} excluded (the cluster's own):`, buckets.excluded),
  ].join("\n");
}

/**
 * Human text for stderr: the original tool's four index groups and document total, then what
 * is skipped and why, the templates, and every transformation with its rule id.
 */
export function formatPlanText(plan: MigrationPlan): string {
  const { indices, documents } = plan;
  const system = indices.excluded.filter((name) => name.startsWith("."));
  const excluded = indices.excluded.filter((name) => !name.startsWith("."));
  return [
    `Source: ${plan.source.distribution} ${plan.source.version} at ${
      withoutCredentials(plan.source.url)
    }`,
    `Target: ${plan.target.distribution} ${plan.target.version} at ${
      withoutCredentials(plan.target.url)
    }`,
    "",
    section(
      "Identical indices in the target cluster (no changes will be made):",
      indices.identical,
    ),
    section(
      "Identical empty indices in the target cluster (data will be migrated):",
      indices.identical_empty,
    ),
    section(
      "Indices partially filled in the target cluster (run continues them from its journal, " +
        "or copies them again with --restart):",
      indices.partially_filled.map(({ name, source_documents, target_documents }) =>
        `${name}: partially filled: ${target_documents} of ${source_documents} documents`
      ),
    ),
    section(
      "Indices present in both clusters with conflicting settings/mappings " +
        "(data will not be migrated):",
      conflictLines(indices),
    ),
    section(
      "Indices to be created in the target cluster (data will be migrated):",
      indices.create,
    ),
    section(
      "Indices skipped as unhealthy (data will not be migrated):",
      indices.unhealthy.map(({ name, reason }) => `${name}: ${reason}`),
    ),
    section(
      "Indices that cannot be migrated as they are (data will not be migrated):",
      indices.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
    ),
    section(
      "Indices excluded by the selection, or hidden" +
        (system.length > 0 ? ` (and ${plural(system.length, "system index")}, not listed)` : "") +
        ":",
      excluded,
    ),
    "",
    templateSection("component", plan.templates.component),
    templateSection("index", plan.templates.index),
    templateSection("legacy", plan.templates.legacy),
    "",
    section(
      "Transformations applied to what will be created or filled:",
      plan.transformations.map((t) => `${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`),
    ),
    "",
    `Total number of documents to be moved: ${documents.total}`,
  ].join("\n");
}
