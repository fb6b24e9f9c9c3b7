/**
 * Data streams on the target while they are filled: a stream is written through its write
 * index only, so keeping the source's generations means rolling the target stream over between
 * two of them. The count of backing indices says where a stream stands, so a re-run after a
 * crash (between a rollover and anything else) rolls over only what is still missing.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { logger } from "../log.ts";

const log = logger("backfill");

/** Rolls `stream` over on the target until it has `count` backing indices. */
export async function rollOverTo(
  target: ClusterClient,
  stream: string,
  count: number,
): Promise<void> {
  let have = await backingIndexCount(target, stream);
  if (have > count) {
    // Rolled over by someone else (an ISM policy on the target, say): the documents still all
    // arrive, in a later generation than the source's.
    log
      .warn`data stream ${stream} has ${have} backing indices on the target, more than the ${count} of the source's generations copied so far`;
  }
  for (; have < count; have++) {
    await target.json("POST", `/${encodeURIComponent(stream)}/_rollover`);
  }
}

/** How many backing indices a data stream has on the target. */
async function backingIndexCount(target: ClusterClient, stream: string): Promise<number> {
  const answer = await target.json<{ data_streams?: Array<{ indices?: unknown[] }> }>(
    "GET",
    `/_data_stream/${encodeURIComponent(stream)}`,
    undefined,
    { idempotent: true },
  );
  return answer.data_streams?.[0]?.indices?.length ?? 0;
}
