/**
 * The plan for people (text, grouped as the original tool printed it) and for programs (the
 * DESIGN.md JSON). Pure.
 */
import type { Buckets, Difference, MigrationPlan, TemplateKind } from "./types.ts";

/** The JSON report: the plan without the create bodies. */
export type PlanReport = Omit<MigrationPlan, "creations">;

/** The DESIGN.md report: everything but the create bodies; URLs without credentials. */
export function planToJson(plan: MigrationPlan): PlanReport {
  const { creations: _, ...report } = plan;
  return {
    ...report,
    source: { ...report.source, url: withoutCredentials(report.source.url) },
    target: { ...report.target, url: withoutCredentials(report.target.url) },
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
        (system.length > 0 ? ` (and ${system.length} system indices, not listed)` : "") + ":",
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
