/**
 * `--sample N`: N random source documents per index, fetched from the target by id and routing,
 * compared by digest. Cheap next to `--checksums`, and it catches wrong routing and altered
 * `_source`, though not a few missing documents among millions.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { parseJsonExact } from "../backfill/json.ts";
import { MissingSourceError } from "../backfill/reader.ts";
import { digestKey, documentDigest } from "./digest.ts";
import type { SampleResult } from "./report.ts";

/** `random_score` reads at most `index.max_result_window` (10 000 by default) hits. */
export const MAX_SAMPLE = 10_000;

/** Ids per `_mget` request. */
const MGET_CHUNK = 500;

interface Hit {
  _id: string;
  _routing?: string;
  _source?: unknown;
  found?: boolean;
}

/** Draws `size` random documents of `index` from the source and looks each up on the target. */
export async function sampleIndex(
  source: ClusterClient,
  target: ClusterClient,
  index: string,
  size: number,
  seed: number,
): Promise<SampleResult> {
  const path = `/${encodeURIComponent(index)}/_search`;
  // `field: "_seq_no"` with a seed: ES 7+ and OpenSearch refuse a seed without a field, and
  // ES 6.8 takes the same form. Every document has a `_seq_no`, mapped or not.
  const hits = await searchHits(source, path, {
    size,
    query: {
      function_score: {
        query: { match_all: {} },
        random_score: { seed, field: "_seq_no" },
        boost_mode: "replace",
      },
    },
  });
  const drawn = hits.map((hit) => {
    if (hit._source === undefined) {
      throw new MissingSourceError(
        `document ${hit._id} of ${index} has no _source on the source, so it cannot be compared`,
      );
    }
    return { id: hit._id, routing: hit._routing, digest: digest(hit) };
  });
  const missing: string[] = [];
  const different: string[] = [];
  for (let start = 0; start < drawn.length; start += MGET_CHUNK) {
    const chunk = drawn.slice(start, start + MGET_CHUNK);
    const docs = await mgetHits(target, `/${encodeURIComponent(index)}/_mget`, {
      docs: chunk.map(({ id, routing }) => ({ _id: id, ...(routing ? { routing } : {}) })),
    });
    chunk.forEach((wanted, i) => {
      const found = docs[i];
      if (!found || !found.found || found._id !== wanted.id) missing.push(wanted.id);
      else if (found._source === undefined || digest(found) !== wanted.digest) {
        different.push(wanted.id);
      }
    });
  }
  return { requested: size, checked: drawn.length, seed, missing, different };
}

function digest(hit: Hit): string {
  return digestKey(documentDigest(hit._id, hit._routing, hit._source));
}

async function searchHits(client: ClusterClient, path: string, body: unknown): Promise<Hit[]> {
  const parsed = await exactJson<{ hits?: { hits?: Hit[] } }>(client, path, body);
  return parsed.hits?.hits ?? [];
}

async function mgetHits(client: ClusterClient, path: string, body: unknown): Promise<Hit[]> {
  const parsed = await exactJson<{ docs?: Hit[] }>(client, path, body);
  return parsed.docs ?? [];
}

/** POSTs a read and parses the answer keeping 64-bit integers exact (see json.ts). */
async function exactJson<T>(client: ClusterClient, path: string, body: unknown): Promise<T> {
  const response = await client.request<string>("POST", path, {
    body,
    raw: true,
    idempotent: true,
  });
  if (response.status < 200 || response.status >= 300) {
    let parsed: unknown = response.body;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      // Not JSON (a proxy's page): shown as text.
    }
    throw client.httpError("POST", path, { ...response, body: parsed });
  }
  return parseJsonExact(response.body) as T;
}
