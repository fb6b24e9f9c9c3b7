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
