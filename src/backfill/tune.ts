/**
 * A target index loads faster with refreshes off and no replicas to copy to. By default the
 * indices the run created (new, unread by anyone) load that way; `--tune-target` extends it to
 * every index the run fills, `--no-tune-target` leaves all as they are. The values before are
 * written to the journal first, and put back at the end, also after a failure, an interrupt,
 * or (by the next run, or `rollback`) a crash: `restoreTunedSettings` in `journal/undo.ts`.
 */
import { plural } from "../text.ts";
import type { ClusterClient } from "../cluster/client.ts";
import type { Journal } from "../journal/journal.ts";
import { logger } from "../log.ts";

const log = logger("backfill");

const KEYS = ["index.refresh_interval", "index.number_of_replicas"] as const;

/** Which target indices load with refreshes off and no replicas. */
export type TargetTuning = "created" | "all" | "none";

/**
 * The indices to tune among `indices` (plain indices the run fills): those the journal says
 * this run created, all of them, or none. Under `--part k/N` only the part that created an index
 * journals it as created (see docs/scale-out.md), so that part alone tunes it, records its
 * settings as created, and puts them back when it ends (or, after a crash, on its next run or
 * rollback): another part still loading then loads with refreshes on, slower but never wrong.
 * Pure.
 */
export function indicesToTune(
  tuning: TargetTuning,
  indices: string[],
  journal: Pick<Journal["data"], "entries">,
): string[] {
  if (tuning === "all") return indices;
  if (tuning === "none") return [];
  const created = new Set(
    journal.entries.filter((entry) => entry.kind === "index" && entry.status === "created")
      .map((entry) => entry.name),
  );
  return indices.filter((index) => created.has(index));
}

/** Records each index's refresh interval and replicas, then sets them for loading. */
export async function tuneTarget(
  client: ClusterClient,
  journal: Journal,
  indices: string[],
): Promise<void> {
  const state = journal.data.backfill!;
  for (const index of indices) {
    const name = encodeURIComponent(index);
    // Already tuned by an earlier, interrupted run: its record holds the real originals.
    if (!state.tuned[index] || state.tuned[index].restored) {
      const settings = await client.json<Record<string, { settings?: Record<string, string> }>>(
        "GET",
        `/${name}/_settings/${KEYS.join(",")}`,
        undefined,
        { query: { flat_settings: true } },
      );
      const current = settings[index]?.settings ?? {};
      state.tuned[index] = {
        refresh_interval: current["index.refresh_interval"] ?? null,
        number_of_replicas: current["index.number_of_replicas"] ?? null,
        restored: false,
      };
      await journal.save();
    }
    await client.json("PUT", `/${name}/_settings`, {
      index: { refresh_interval: "-1", number_of_replicas: 0 },
    });
  }
  if (indices.length > 0) {
    log.info`tuned ${
      plural(indices.length, "target index", "target indices")
    } for loading: refresh off, no replicas`;
  }
}
