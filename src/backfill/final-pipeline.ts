/**
 * A target index's final pipeline runs on every write, and no request can skip it
 * (`pipeline=_none` skips only the default one). When it is the pipeline the source index ran as
 * its final one, copied documents went through it already, and a second run would change them.
 * So while the copy runs, such an index's `index.final_pipeline` is `_none`; its value is recorded
 * in the journal first, with the other load-time settings (`tuned`), and put back as they are: at
 * the copy's end, or after a crash by the next run or by `rollback` (`restoreTunedSettings` in
 * `journal/undo.ts`). A final pipeline only the target has (its own template's, say) stays on:
 * the documents never went through it.
 */
import type { ClusterClient } from "../cluster/client.ts";
import type { Journal } from "../journal/journal.ts";
import { logger } from "../log.ts";

const log = logger("backfill");

const KEYS = ["index.final_pipeline", "index.refresh_interval", "index.number_of_replicas"];

/** Per index or data stream name: its concrete indices with their flat settings of `keys`. */
type SettingsByName = Map<string, Array<{ index: string; settings: Record<string, string> }>>;

async function readSettings(
  client: ClusterClient,
  names: readonly string[],
  streams: ReadonlySet<string>,
  keys: readonly string[],
): Promise<SettingsByName> {
  const result: SettingsByName = new Map();
  const read = async (group: readonly string[]) =>
    Object.entries(
      await client.json<Record<string, { settings?: Record<string, string> }>>(
        "GET",
        `/${group.map(encodeURIComponent).join(",")}/_settings/${keys.join(",")}`,
        undefined,
        { query: { flat_settings: "true", ignore_unavailable: "true" }, idempotent: true },
      ),
    ).map(([index, { settings = {} }]) => ({ index, settings }));
  const plain = names.filter((name) => !streams.has(name));
  for (let at = 0; at < plain.length; at += 50) {
    for (const entry of await read(plain.slice(at, at + 50))) result.set(entry.index, [entry]);
  }
  // A stream answers with its backing indices: read alone, they are known to be its own.
  for (const stream of names.filter((name) => streams.has(name))) {
    result.set(stream, await read([stream]));
  }
  return result;
}

/** The final pipelines each source index (or each stream's backing indices) runs. */
export async function readFinalPipelines(
  source: ClusterClient,
  names: readonly string[],
  streams: ReadonlySet<string>,
): Promise<Map<string, Set<string>>> {
  const settings = await readSettings(source, names, streams, ["index.final_pipeline"]);
  return new Map(
    [...settings].map(([name, entries]) => [
      name,
      new Set(
        entries.map(({ settings }) => settings["index.final_pipeline"])
          .filter((id): id is string => id !== undefined && id !== "_none"),
      ),
    ]),
  );
}

/**
 * Sets `index.final_pipeline` to `_none` on the target indices of `names` whose final pipeline
 * the source ran (`sourceFinals`), recording the value first; returns those indices.
 */
export async function suspendFinalPipelines(
  client: ClusterClient,
  journal: Journal,
  names: readonly string[],
  streams: ReadonlySet<string>,
  sourceFinals: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<string[]> {
  const state = journal.data.backfill;
  const suspended: string[] = [];
  // Nothing to record the values in (a journal without a copy): nothing is changed.
  if (!state) return suspended;
  const wanted = names.filter((name) => (sourceFinals.get(name)?.size ?? 0) > 0);
  for (const [name, entries] of await readSettings(client, wanted, streams, KEYS)) {
    for (const { index, settings } of entries) {
      const record = state.tuned[index];
      // Set to _none by an earlier, interrupted run: its record holds the real value.
      const original = (record && !record.restored ? record.final_pipeline : undefined) ??
        settings["index.final_pipeline"];
      if (original === undefined || !sourceFinals.get(name)?.has(original)) continue;
      if (!record || record.restored) {
        state.tuned[index] = {
          refresh_interval: settings["index.refresh_interval"] ?? null,
          number_of_replicas: settings["index.number_of_replicas"] ?? null,
          final_pipeline: original,
          restored: false,
        };
      } else record.final_pipeline = original;
      await journal.save();
      await client.json("PUT", `/${encodeURIComponent(index)}/_settings`, {
        index: { final_pipeline: "_none" },
      });
      suspended.push(index);
    }
  }
  if (suspended.length > 0) {
    log.info`final pipelines the source ran already are off during the copy, put back at its end: ${
      suspended.join(", ")
    }`;
  }
  return suspended;
}
