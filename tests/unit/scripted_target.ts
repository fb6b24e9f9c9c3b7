/** A stand-in target for unit tests of the bulk writer: scripted `_bulk` answers, no network. */
import type { ClusterClient } from "../../src/cluster/client.ts";

/**
 * A target answering `_bulk` with `answer(items)` per request; counts the requests and keeps the
 * query of the last one.
 */
export function scriptedTarget(
  answer: (ids: string[]) => { status: number; body: unknown },
): { client: ClusterClient; requests: () => number; lastQuery: () => unknown } {
  let requests = 0;
  let lastQuery: unknown;
  const client = {
    url: "http://target.test",
    request: (_method: string, _path: string, options: { body: Uint8Array; query?: unknown }) => {
      requests++;
      lastQuery = options.query;
      const ids = bodyText(options.body).trim().split("\n").filter((_, i) => i % 2 === 0).map((
        line,
      ) => JSON.parse(line).index._id as string);
      const { status, body } = answer(ids);
      return Promise.resolve({ status, headers: new Headers(), body });
    },
    httpError: () => new Error("http error"),
  } as unknown as ClusterClient;
  return { client, requests: () => requests, lastQuery: () => lastQuery };
}

/** A `_bulk` body as the writer sends it (bytes), as text. */
export function bodyText(body: Uint8Array | string): string {
  return typeof body === "string" ? body : new TextDecoder().decode(body);
}
