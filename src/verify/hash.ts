/**
 * A fast 64-bit hash of JSON values as the cluster sees them: object keys in any order, `1.0`
 * and `1` the same number, 64-bit integers kept exact (a lossless parser's numbers). Computed in
 * one walk over the parsed value, without building a canonical text or calling a cryptographic
 * hash: a comparison of two clusters needs to tell documents apart by accident, not against an
 * adversary, and 64 bits make an accidental match of two different documents negligible. Pure.
 */
import { isSafeNumber, loadXxhash, LosslessNumber } from "../deps.ts";

/** Two 32-bit lanes of a hash, as a pair. */
export type Hash64 = [number, number];

const SEED_1 = 0x811c9dc5;
const SEED_2 = 0x2545f491;
const float = new Float64Array(1);
const floatWords = new Uint32Array(float.buffer);

/** Murmur3's finaliser: every input bit moves every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One lane's next state after a word. */
function step(h: number, word: number): number {
  return Math.imul((h ^ word) >>> 0, 0x01000193) + 0x6b43a9b5 >>> 0;
}

/** Combines two finished hashes of one lane in order (`a` then `b`). */
function combine(a: number, b: number): number {
  return fmix(Math.imul(a, 0x9e3779b1) ^ b);
}

// The walk's result, in two lanes: module state rather than an array per value.
let lane1 = 0;
let lane2 = 0;

function hashString(tag: number, text: string): void {
  let h1 = step(SEED_1, tag);
  let h2 = step(SEED_2, tag);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 0x01000193);
    h2 = Math.imul(h2 ^ code, 0x5bd1e995) ^ (h2 >>> 15);
  }
  lane1 = fmix(h1 ^ text.length);
  lane2 = fmix(h2 + text.length);
}

function hashNumber(value: number): void {
  float[0] = value === 0 ? 0 : value; // -0 and 0 are the same JSON number to a cluster
  lane1 = fmix(step(step(SEED_1, 4), floatWords[0]) ^ floatWords[1]);
  lane2 = fmix(step(step(SEED_2, 4), floatWords[1]) ^ floatWords[0]);
}

function hashValue(value: unknown): void {
  if (typeof value === "string") return hashString(6, value);
  if (typeof value === "number") return hashNumber(value);
  if (value === null || value === undefined) return void (lane1 = lane2 = 0x9b1);
  if (value === true) return void (lane1 = lane2 = 0x7e3);
  if (value === false) return void (lane1 = lane2 = 0x3f5);
  if (value instanceof LosslessNumber) {
    return isSafeNumber(value.value) ? hashNumber(Number(value.value)) : hashString(5, value.value);
  }
  if (Array.isArray(value)) {
    let h1 = step(SEED_1, 7 + value.length);
    let h2 = step(SEED_2, 7 + value.length);
    for (const item of value) {
      hashValue(item);
      h1 = combine(h1, lane1);
      h2 = combine(h2, lane2);
    }
    lane1 = h1;
    lane2 = h2;
    return;
  }
  // An object: the sum of its members' hashes, so their order does not matter.
  const record = value as Record<string, unknown>;
  let sum1 = 0;
  let sum2 = 0;
  let members = 0;
  for (const key in record) {
    const item = record[key];
    if (item === undefined) continue;
    members++;
    hashString(9, key);
    const key1 = lane1;
    const key2 = lane2;
    hashValue(item);
    sum1 = (sum1 + combine(key1, lane1)) >>> 0;
    sum2 = (sum2 + combine(key2, lane2)) >>> 0;
  }
  lane1 = combine(step(SEED_1, 8 + members), sum1);
  lane2 = combine(step(SEED_2, 8 + members), sum2);
}

/** The hash of a JSON value (from `JSON.parse` or the lossless parser). */
export function hashJson(value: unknown): Hash64 {
  hashValue(value);
  return [lane1, lane2];
}

/** The hash of a text, e.g. an `_id`. */
export function hashText(text: string): Hash64 {
  hashString(6, text);
  return [lane1, lane2];
}

/** The hash of a document: its id, routing and source together. */
export function hashDocument(id: string, routing: string | undefined, source: unknown): Hash64 {
  hashIdAndRouting(id, routing);
  const h1 = lane1;
  const h2 = lane2;
  hashValue(source);
  return [combine(h1, lane1), combine(h2, lane2)];
}

/** Hashes a document by its id, routing and the very bytes of its `_source`. */
export type DocumentBytesHasher = (
  id: string,
  routing: string | undefined,
  source: Uint8Array,
) => Hash64;

const LOW_32 = 0xffffffffn;

/**
 * The hash of a document by the very bytes of its `_source`: equal only when the two clusters
 * hold the same text (what a copy by this tool keeps), so unequal says "compare the parsed
 * values", never "different". The bytes go through xxHash64 (WebAssembly): a sixth of the time
 * of a walk in JavaScript, and a checksum pass hashes every byte of both clusters.
 */
export async function documentBytesHasher(): Promise<DocumentBytesHasher> {
  const { h64Raw } = await loadXxhash();
  return (id, routing, source) => {
    hashIdAndRouting(id, routing);
    const h1 = lane1;
    const h2 = lane2;
    const bytes = h64Raw(source);
    return [combine(h1, Number(bytes & LOW_32)), combine(h2, Number(bytes >> 32n))];
  };
}

/** A document's id and routing hashed in order, into the lanes. */
function hashIdAndRouting(id: string, routing: string | undefined): void {
  hashString(1, id);
  const h1 = lane1;
  const h2 = lane2;
  hashString(2, routing ?? "");
  lane1 = combine(h1, lane1);
  lane2 = combine(h2, lane2);
}
