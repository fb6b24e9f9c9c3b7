/** Small helpers that prepare indices on real nodes for a test, and remove them afterwards. */

/** Sends a JSON request to a node and returns the parsed answer; throws on an error status. */
export async function call(
  url: string,
  method: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} -> ${response.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Indexes `count` small documents with ids `d0..`; `type` for ES 6 typed indices. */
export async function addDocuments(
  url: string,
  index: string,
  count: number,
  type?: string,
): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => {
    const meta = type ? { _type: type, _id: `d${i}` } : { _id: `d${i}` };
    return `${JSON.stringify({ index: meta })}\n${JSON.stringify({ title: `doc ${i}`, n: i })}\n`;
  }).join("");
  await bulk(`${url}/${index}`, lines);
}

/**
 * Sends NDJSON `lines` to `<base>/_bulk` (`base` is a node URL, or a node URL and an index) and
 * refreshes; throws when the request or any item failed, so a fixture never loads silently short.
 */
export async function bulk(base: string, lines: string, refresh = true): Promise<void> {
  const response = await fetch(`${base}/_bulk${refresh ? "?refresh=true" : ""}`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: lines,
  });
  const result = await response.json();
  if (!response.ok || result.errors) {
    throw new Error(`bulk into ${base}: ${JSON.stringify(result).slice(0, 500)}`);
  }
}

/** A prefix unique to this test run, so runs never see each other's indices. */
export function runPrefix(label: string): string {
  return `fm-${label}-${Date.now().toString(36)}-`;
}

/**
 * Deletes every index and template starting with `prefix` on each node, waiting as long as a
 * large delete needs, and fails loudly if anything is left behind.
 */
export async function cleanUp(urls: string[], prefix: string): Promise<void> {
  for (const url of urls) {
    const response = await fetch(
      `${url}/${prefix}*?expand_wildcards=all&timeout=5m&master_timeout=5m`,
      { method: "DELETE" },
    );
    if (!response.ok && response.status !== 404) {
      throw new Error(`cleaning ${prefix}* on ${url}: ${response.status} ${await response.text()}`);
    }
    await response.body?.cancel();
    for (const kind of ["_template", "_index_template", "_component_template"]) {
      await fetch(`${url}/${kind}/${prefix}*`, { method: "DELETE" }).then((r) => r.body?.cancel());
    }
  }
}
