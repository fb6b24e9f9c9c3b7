/** The few cluster calls the bench makes itself, with plain `fetch` (loopback, no auth). */

/** Sends JSON, returns the parsed answer; anything outside 2xx throws with the body. */
export async function sendJson<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Deletes an index if it exists. */
export async function deleteIndex(url: string, index: string): Promise<void> {
  const response = await fetch(`${url}/${index}`, { method: "DELETE" });
  const text = await response.text();
  if (!response.ok && response.status !== 404) {
    throw new Error(`DELETE ${url}/${index} answered ${response.status}: ${text}`);
  }
}

/** Whether an index exists. */
export async function indexExists(url: string, index: string): Promise<boolean> {
  const response = await fetch(`${url}/${index}`, { method: "HEAD" });
  await response.body?.cancel();
  return response.ok;
}

/** CPU time the node's process used so far, in seconds (`_nodes/_local/stats/process`). */
export async function nodeCpuSeconds(url: string): Promise<number | undefined> {
  try {
    const body = await sendJson<
      { nodes?: Record<string, { process?: { cpu?: { total_in_millis?: number } } }> }
    >("GET", `${url}/_nodes/_local/stats/process`);
    const node = Object.values(body.nodes ?? {})[0];
    const millis = node?.process?.cpu?.total_in_millis;
    return typeof millis === "number" ? millis / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Index operations done on an index's primaries so far (visible before any refresh). */
export async function indexedSoFar(url: string, index: string): Promise<number | undefined> {
  const response = await fetch(`${url}/${index}/_stats/indexing`);
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const body = await response.json() as {
    _all?: { primaries?: { indexing?: { index_total?: number } } };
  };
  return body._all?.primaries?.indexing?.index_total;
}

/** What `GET /` says of a cluster: distribution and version. */
export async function clusterVersion(url: string): Promise<string> {
  try {
    const body = await sendJson<{ version?: { distribution?: string; number?: string } }>(
      "GET",
      `${url}/`,
    );
    return `${body.version?.distribution ?? "elasticsearch"} ${body.version?.number ?? "?"}`;
  } catch (error) {
    return `unknown (${(error as Error).message.slice(0, 80)})`;
  }
}

/**
 * The index work a node did so far (`_nodes/stats/indices/indexing,refresh,merge,flush,translog`,
 * summed over the nodes): cumulative counters, except the translog's two gauges.
 */
export interface TargetStats {
  /** Index operations (documents written, retries included) and the time spent in them. */
  indexTotal: number;
  indexMillis: number;
  /** Refreshes (internal ones included) and their time. */
  refreshTotal: number;
  refreshMillis: number;
  /** Refreshes asked from outside (`_refresh`, `refresh_interval`), not the engine's own. */
  externalRefreshTotal: number;
  /** Merges finished and their time. */
  mergeTotal: number;
  mergeMillis: number;
  /** Flushes (Lucene commits) and how many of them the translog's size triggered. */
  flushTotal: number;
  flushPeriodic: number;
  /** Gauges: operations in the translog not yet in a Lucene commit, and their bytes. */
  translogUncommittedOps: number;
  translogUncommittedBytes: number;
}

interface NodeIndicesStats {
  indexing?: { index_total?: number; index_time_in_millis?: number };
  refresh?: { total?: number; total_time_in_millis?: number; external_total?: number };
  merges?: { total?: number; total_time_in_millis?: number };
  flush?: { total?: number; periodic?: number };
  translog?: { uncommitted_operations?: number; uncommitted_size_in_bytes?: number };
}

/** {@link TargetStats} of a cluster now, or `undefined` when it does not answer. */
export async function targetStats(url: string): Promise<TargetStats | undefined> {
  try {
    const body = await sendJson<{ nodes?: Record<string, { indices?: NodeIndicesStats }> }>(
      "GET",
      `${url}/_nodes/stats/indices/indexing,refresh,merge,flush,translog`,
    );
    const sum: TargetStats = {
      indexTotal: 0,
      indexMillis: 0,
      refreshTotal: 0,
      refreshMillis: 0,
      externalRefreshTotal: 0,
      mergeTotal: 0,
      mergeMillis: 0,
      flushTotal: 0,
      flushPeriodic: 0,
      translogUncommittedOps: 0,
      translogUncommittedBytes: 0,
    };
    for (const node of Object.values(body.nodes ?? {})) {
      const stats = node.indices ?? {};
      sum.indexTotal += stats.indexing?.index_total ?? 0;
      sum.indexMillis += stats.indexing?.index_time_in_millis ?? 0;
      sum.refreshTotal += stats.refresh?.total ?? 0;
      sum.refreshMillis += stats.refresh?.total_time_in_millis ?? 0;
      sum.externalRefreshTotal += stats.refresh?.external_total ?? 0;
      sum.mergeTotal += stats.merges?.total ?? 0;
      sum.mergeMillis += stats.merges?.total_time_in_millis ?? 0;
      sum.flushTotal += stats.flush?.total ?? 0;
      sum.flushPeriodic += stats.flush?.periodic ?? 0;
      sum.translogUncommittedOps += stats.translog?.uncommitted_operations ?? 0;
      sum.translogUncommittedBytes += stats.translog?.uncommitted_size_in_bytes ?? 0;
    }
    return sum;
  } catch {
    return undefined;
  }
}

/** `after - before`, field by field (for the gauges: how much they grew over the run). */
export function statsDelta(before: TargetStats, after: TargetStats): TargetStats {
  return Object.fromEntries(
    Object.entries(after).map(([key, value]) => [key, value - before[key as keyof TargetStats]]),
  ) as unknown as TargetStats;
}

/** What a target index (or pattern) holds in its own stats, all copies (`_all.total`). */
export interface IndexWork {
  /** Index operations the index took since it was created. */
  indexTotal: number;
  /** Operations in its translog not yet in a Lucene commit (a gauge). */
  translogUncommittedOps: number;
}

/** {@link IndexWork} of an index or pattern, or `undefined` when there is none. */
export async function indexWork(url: string, index: string): Promise<IndexWork | undefined> {
  const response = await fetch(`${url}/${index}/_stats/indexing,translog`);
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const body = await response.json() as {
    _all?: {
      total?: {
        indexing?: { index_total?: number };
        translog?: { uncommitted_operations?: number };
      };
    };
  };
  const total = body._all?.total;
  return total
    ? {
      indexTotal: total.indexing?.index_total ?? 0,
      translogUncommittedOps: total.translog?.uncommitted_operations ?? 0,
    }
    : undefined;
}
