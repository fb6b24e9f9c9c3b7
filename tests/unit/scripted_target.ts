/** A stand-in target for unit tests of the bulk writer: scripted `_bulk` answers, no network. */
import type { ClusterClient } from "../../src/cluster/client.ts";

/** A target answering `_bulk` with `answer(items)` per request; counts the requests. */
export function scriptedTarget(
  answer: (ids: string[]) => { status: number; body: unknown },
): { client: ClusterClient; requests: () => number } {
  let requests = 0;
  const client = {
    url: "http://target.test",
    request: (_method: string, _path: string, options: { body: string }) => {
      requests++;
      const ids = options.body.trim().split("\n").filter((_, i) => i % 2 === 0).map((line) =>
        JSON.parse(line).index._id as string
      );
      const { status, body } = answer(ids);
      return Promise.resolve({ status, headers: new Headers(), body });
    },
    httpError: () => new Error("http error"),
  } as unknown as ClusterClient;
  return { client, requests: () => requests };
}
