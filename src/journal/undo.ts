/**
 * What a journal records as changed outside the documents, and how it is put back: the target
 * settings `--tune-target` changed for loading, and the write block `sync --freeze-source` set on
 * the source. The run that changed them puts them back at its end; `rollback`, `sync --unfreeze`
 * and the next run do it after a crash.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { logger } from "../log.ts";
import type { Journal, TunedIndex } from "./journal.ts";

const log = logger("backfill");

/** Puts back what `--tune-target` changed; returns the indices it could not restore. */
export async function restoreTunedSettings(
  client: ClusterClient,
  journal: Journal,
): Promise<string[]> {
  const state = journal.data.backfill;
  const failed: string[] = [];
  for (const [index, tuned] of Object.entries(state?.tuned ?? {})) {
    if (tuned.restored) continue;
    const response = await client.request("PUT", `/${encodeURIComponent(index)}/_settings`, {
      body: { index: originalSettings(tuned) },
    });
    if (response.status >= 200 && response.status < 300) {
      tuned.restored = true;
    } else if (response.status === 404) {
      // Deleted meanwhile (a rollback): nothing to restore.
      tuned.restored = true;
    } else {
      failed.push(index);
      log
        .error`could not restore the load-time settings of ${index} on ${client.url} (${response.status}); set them by hand: ${
        JSON.stringify(originalSettings(tuned))
      }`;
    }
  }
  await journal.save();
  return failed;
}

/** The settings body that restores an index; `null` resets a setting to the default. */
export function originalSettings(tuned: TunedIndex): Record<string, string | null> {
  return {
    refresh_interval: tuned.refresh_interval,
    number_of_replicas: tuned.number_of_replicas,
    ...(tuned.final_pipeline !== undefined ? { final_pipeline: tuned.final_pipeline } : {}),
  };
}

/** Lifts the write block `--freeze-source` set (`--unfreeze`, rollback). Returns the indices. */
export async function liftFreeze(source: ClusterClient, journal: Journal): Promise<string[]> {
  const frozen = journal.data.sync?.frozen ?? [];
  if (frozen.length === 0) return [];
  await setWriteBlock(source, frozen, false);
  journal.data.sync!.frozen = [];
  await journal.save();
  return frozen;
}

/** Sets or lifts `index.blocks.write` through the settings API, 50 indices a request. */
export async function setWriteBlock(
  source: ClusterClient,
  indices: readonly string[],
  on: boolean,
): Promise<void> {
  for (let at = 0; at < indices.length; at += 50) {
    const names = indices.slice(at, at + 50).map(encodeURIComponent).join(",");
    await source.json("PUT", `/${names}/_settings`, {
      index: { "blocks.write": on ? true : null },
    }, { query: { ignore_unavailable: "true" } });
  }
}
