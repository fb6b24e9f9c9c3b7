/** The plan for people (text, grouped as the original tool printed it) and for programs (JSON). Pure. */
import type { Buckets, MigrationPlan } from "./types.ts";

/** The DESIGN.md report: everything but the create bodies. URLs carry no credentials. */
export function planToJson(plan: MigrationPlan): Omit<MigrationPlan, "creations"> {
  const { creations: _, ...report } = plan;
  return report;
}

function section(title: string, lines: string[]): string {
  return `${title}\n${lines.length > 0 ? lines.map((line) => `  ${line}`).join("\n") : "  (none)"}`;
}

function conflicts(buckets: Buckets): string[] {
  return buckets.conflicting.flatMap(({ name, differences }) => [
    name,
    ...differences.map((d) =>
      `  - ${d.path}: ${d.source ?? "(absent)"} ≠ ${d.target ?? "(absent)"}`
    ),
  ]);
}

function templateLines(plan: MigrationPlan): string[] {
  const lines: string[] = [];
  for (const kind of ["component", "index", "legacy"] as const) {
    const buckets = plan.templates[kind];
    const label = kind === "index" ? "index template" : `${kind} template`;
    for (const name of buckets.create) lines.push(`${label} ${name}: will be created`);
    for (const name of buckets.identical) lines.push(`${label} ${name}: identical, left alone`);
    for (const { name, differences } of buckets.conflicting) {
      lines.push(`${label} ${name}: conflicting, left alone`);
      for (const d of differences) {
        lines.push(`  - ${d.path}: ${d.source ?? "(absent)"} ≠ ${d.target ?? "(absent)"}`);
      }
    }
    for (const { name, reason } of buckets.unsupported) {
      lines.push(`${label} ${name}: not migratable: ${reason}`);
    }
  }
  return lines;
}

/** Human text for stderr. */
export function formatPlanText(plan: MigrationPlan): string {
  const { indices, documents } = plan;
  const excludedUser = indices.excluded.filter((name) => !name.startsWith("."));
  const system = indices.excluded.length - excludedUser.length;
  return [
    `Source: ${plan.source.distribution} ${plan.source.version} at ${plan.source.url}`,
    `Target: ${plan.target.distribution} ${plan.target.version} at ${plan.target.url}`,
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
      "Indices present in both clusters with conflicting settings/mappings (data will NOT be migrated):",
      conflicts(indices),
    ),
    section(
      "Indices to be created in the target cluster (data will be migrated):",
      indices.create,
    ),
    section(
      "Indices skipped as unhealthy:",
      indices.unhealthy.map(({ name, reason }) => `${name}: ${reason}`),
    ),
    section(
      "Indices that cannot be migrated as they are:",
      indices.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
    ),
    section(
      `Indices excluded${system > 0 ? ` (plus ${system} system or hidden)` : ""}:`,
      excludedUser,
    ),
    section("Templates:", templateLines(plan)),
    section(
      "Transformations applied:",
      plan.transformations.map((t) => `${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`),
    ),
    "",
    `Total number of documents to be moved: ${documents.total}`,
  ].join("\n");
}
