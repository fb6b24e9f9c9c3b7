/**
 * `--tune-target`: a target index loads faster with refreshes off and no replicas to copy to.
 * The values before are written to the journal first, and put back at the end, also after a
 * failure, an interrupt, or (by the next run) a crash: `restoreTunedSettings` in
 * `journal/undo.ts`.
 */
import { plural } from "../text.ts";
import type { ClusterClient } from "../cluster/client.ts";
import type { Journal } from "../journal/journal.ts";
import { logger } from "../log.ts";

const log = logger("backfill");

const KEYS = ["index.refresh_interval", "index.number_of_replicas"] as const;

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
