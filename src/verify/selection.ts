/** Which indices `verify` looks at: from the plan, or from a run's journal. Pure. */
import type { JournalData } from "../journal/journal.ts";
import type { MigrationPlan } from "../metadata/types.ts";

/** An index left out of the verification, with why. */
export interface NotVerified {
  index: string;
  reason: string;
}

/** The indices to verify and those knowingly left out. */
export interface VerifySelection {
  indices: string[];
  notVerified: NotVerified[];
}

/**
 * The source indices a migration would fill or already filled: the plan's `create`,
 * `identical_empty` and `identical` buckets, and the data streams alike. Those the migration
 * leaves alone (conflicting, closed or red, unsupported, hidden) are named, not verified: their
 * documents differing is no failure of it, and a reader must not take "all match" for them.
 */
export function selectFromPlan(plan: MigrationPlan): VerifySelection {
  const { create, identical_empty, identical, partially_filled, conflicting } = plan.indices;
  const partial = partially_filled.map(({ name }) => name);
  const streams = plan.data_streams;
  const streamNames = [
    ...[...streams.create, ...streams.identical_empty, ...streams.partially_filled].map(
      ({ name }) => name,
    ),
    ...streams.identical,
  ];
  return {
    indices: [...new Set([...create, ...identical_empty, ...identical, ...partial, ...streamNames])]
      .sort(),
    notVerified: [
      ...conflicting.map(({ name }) => ({ index: name, reason: "definitions differ" })),
      // Selected, and left alone by the migration: named, so "all match" never hides them.
      ...plan.indices.unhealthy.map(({ name, reason }) => ({ index: name, reason })),
      ...plan.indices.unsupported.map(({ name, reason }) => ({ index: name, reason })),
      ...streams.unsupported.map(({ name, reason }) => ({ index: name, reason })),
      ...plan.left_out.map(({ name, reason }) => ({ index: name, reason })),
    ].sort((a, b) => a.index.localeCompare(b.index)),
  };
}

/**
 * The indices a run's native backfill filled, exactly; `undefined` when the journal has no
 * backfill section (a metadata-only run, `--createonly`, or another engine).
 */
export function selectFromJournal(data: JournalData): VerifySelection | undefined {
  if (!data.backfill) return undefined;
  return { indices: Object.keys(data.backfill.indices).sort(), notVerified: [] };
}
