/**
 * The Prometheus series of `sync --metrics-port`: lag in operations and seconds, passes, and the
 * changes and deletes applied, in the text exposition format. Pure.
 */

/** What the series are made of, after each pass. */
export interface SyncSnapshot {
  passes: number;
  changesTotal: number;
  deletesTotal: number;
  lagDocuments: number;
  lagSeconds: number;
  indices: number;
  /** Ids read by the last delete check (both sides). */
  idsRead: number;
}

const SERIES: ReadonlyArray<[keyof SyncSnapshot, string, "gauge" | "counter", string]> = [
  [
    "lagDocuments",
    "fetch_migration_sync_lag_operations",
    "gauge",
    "Operations on the source (inserts, updates, deletes) not yet passed to the target",
  ],
  [
    "lagSeconds",
    "fetch_migration_sync_lag_seconds",
    "gauge",
    "Age of the oldest change that may not be on the target yet",
  ],
  ["passes", "fetch_migration_sync_passes_total", "counter", "Passes finished"],
  [
    "changesTotal",
    "fetch_migration_sync_changes_total",
    "counter",
    "Documents copied by passes (inserts and updates)",
  ],
  [
    "deletesTotal",
    "fetch_migration_sync_deletes_total",
    "counter",
    "Documents deleted on the target because the source deleted them",
  ],
  ["indices", "fetch_migration_sync_indices", "gauge", "Indices followed"],
  [
    "idsRead",
    "fetch_migration_sync_delete_check_ids",
    "gauge",
    "Ids read on both sides by the last delete check",
  ],
];

/** The exposition text of a snapshot. */
export function syncMetricsText(snapshot: SyncSnapshot): string {
  return SERIES.map(([key, name, type, help]) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${Number(snapshot[key]).toFixed(1)}\n`
  ).join("");
}
