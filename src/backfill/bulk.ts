/**
 * The `_bulk` wire format in both directions: request bodies that keep each document's `_id` and
 * routing, and the sorting of a response's items into written, worth retrying, and refused. Pure.
 */
import type { SourceDocument } from "./reader.ts";
import { sourceBytes } from "./reader.ts";
import { FetchMigrationError } from "../errors.ts";
import { privilegeHint } from "../cluster/errors.ts";

/** A document with its bulk lines already serialised (so a retry does not serialise again). */
export interface BulkItem {
  index: string;
  document: SourceDocument;
  /** The action line, `\n` included. */
  action: string;
  /** Set when the action line is all ASCII: one byte per character. */
  ascii: boolean;
  /** The source line without its `\n`. */
  source: Uint8Array;
  /** Bytes of both lines, the two `\n` included. */
  bytes: number;
  /** Sent as `create` (into a data stream): "exists already" means it is there. */
  create?: boolean;
}

const encoder = new TextEncoder();
const NEWLINE = 0x0a;

/**
 * Serialises one document as an `index` action (create or overwrite: re-runs are idempotent),
 * or, into a data stream, a `create` action (a re-run finds the document there: see
 * {@link classifyBulkResponse}).
 */
export function toBulkItem(index: string, document: SourceDocument, create = false): BulkItem {
  const verb = create ? "create" : "index";
  const routing = document.routing === undefined
    ? ""
    : `,"routing":${JSON.stringify(document.routing)}`;
  // Written out rather than an object stringified: one string per document, no object.
  const line = `{"${verb}":{"_index":${JSON.stringify(index)},"_id":${
    JSON.stringify(document.id)
  }${routing}}}\n`;
  const ascii = ASCII.test(line);
  const source = sourceBytes(document);
  return {
    index,
    document,
    action: line,
    ascii,
    source,
    bytes: (ascii ? line.length : encoder.encode(line).length) + source.length + 1,
    ...(create ? { create } : {}),
  };
}

/** Printable ASCII and line ends: all a JSON action line holds unless an id is not ASCII. */
const ASCII = /^[\n -~]*$/;

/** Bytes of the `_bulk` body of some items. */
export function bulkSize(items: BulkItem[]): number {
  let size = 0;
  for (const item of items) size += item.bytes;
  return size;
}

/**
 * The `_bulk` body of some items, each item's lines copied in once: into the start of `into`
 * when given (at least {@link bulkSize} bytes), else into a new buffer.
 */
export function bulkBody(
  items: BulkItem[],
  into?: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  const size = bulkSize(items);
  const body = into ? into.subarray(0, size) : new Uint8Array(size);
  let at = 0;
  for (const item of items) {
    // Copied in place: no array per action line for the collector to sweep.
    const action = item.action;
    if (item.ascii) {
      for (let i = 0; i < action.length; i++) body[at + i] = action.charCodeAt(i);
      at += action.length;
    } else {
      at += encoder.encodeInto(action, body.subarray(at)).written;
    }
    body.set(item.source, at);
    at += item.source.length;
    body[at++] = NEWLINE;
  }
  return body;
}

/** The `_bulk` body of some items as text (for tests and logs). */
export function bulkText(items: BulkItem[]): string {
  return new TextDecoder().decode(bulkBody(items));
}

/** Splits items into batches of at most `maxBytes` (a larger single item gets a batch alone). */
export function toBatches(items: BulkItem[], maxBytes: number): BulkItem[][] {
  const batches: BulkItem[][] = [];
  let current: BulkItem[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = item.bytes;
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A refusal of one document by the target. */
export interface ItemFailure {
  item: BulkItem;
  status: number;
  /** The target's own words: `type: reason`. */
  reason: string;
  /** The error's type (`mapper_parsing_exception`...), or what kind of failure it was. */
  type?: string;
  /** Set when no answer came at all (status 0): the transport's error. */
  error?: Error;
}

/** A bulk response, item by item. */
export interface BulkOutcome {
  written: BulkItem[];
  /** Refused for now (429, rejected execution, unavailable shards): send again later. */
  retry: ItemFailure[];
  /** Refused for good (mapping errors, too large, ...): to the dead-letter file. */
  refused: ItemFailure[];
}

interface BulkResponseItem {
  status?: number;
  error?:
    | { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } }
    | string;
}

/** Whether an item's status means "not now" rather than "no". */
export function isTransientItemStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Sorts a `_bulk` response's items, in request order, by what to do with each. */
export function classifyBulkResponse(items: BulkItem[], response: unknown): BulkOutcome {
  const outcome: BulkOutcome = { written: [], retry: [], refused: [] };
  const results = (response as { items?: Array<Record<string, BulkResponseItem>> })?.items;
  if (!Array.isArray(results) || results.length !== items.length) {
    // An answer we cannot line up with what we sent: nothing is known to be written.
    const reason = `unexpected bulk response: ${JSON.stringify(response).slice(0, 300)}`;
    outcome.retry = items.map((item) => ({
      item,
      status: 0,
      reason,
      type: "unexpected_bulk_response",
    }));
    return outcome;
  }
  results.forEach((result, at) => {
    const item = items[at];
    const detail = Object.values(result)[0] ?? {};
    const status = detail.status ?? 0;
    if (status >= 200 && status < 300 && !detail.error) {
      outcome.written.push(item);
      return;
    }
    // A create into a data stream that a re-run sends again: the document is there already.
    if (item.create && status === 409) {
      outcome.written.push(item);
      return;
    }
    const failure = {
      item,
      status,
      reason: describeError(detail.error),
      type: errorType(detail.error),
    };
    // A block refuses every document of the index alike: not a refusal of this one (no dead
    // letter), but a state of the target the run waits out or stops on (blockedIndexError).
    if (isTransientItemStatus(status) || isIndexBlock(failure)) outcome.retry.push(failure);
    else outcome.refused.push(failure);
  });
  return outcome;
}

function errorType(error: BulkResponseItem["error"]): string {
  if (error === undefined) return "no_reason_given";
  if (typeof error === "string") return "error";
  return error.type ?? "error";
}

/**
 * What a refusal is counted under in the run's summary: the status and the error type, e.g.
 * `400 mapper_parsing_exception` or `429 es_rejected_execution_exception`.
 */
export function failureKey(failure: Pick<ItemFailure, "status" | "type">): string {
  return `${failure.status} ${failure.type ?? "error"}`;
}

/** A reason cut to `max` characters (an ellipsis marks the cut), for a log line. */
export function shortReason(reason: string, max = 160): string {
  const flat = reason.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function describeError(error: BulkResponseItem["error"]): string {
  if (error === undefined) return "no reason given";
  if (typeof error === "string") return error;
  const cause = error.caused_by?.reason ? ` (caused by ${error.caused_by.reason})` : "";
  return `${error.type ?? "error"}: ${error.reason ?? ""}${cause}`;
}

/** Whether the target refused an item because its index is blocked (read-only, write block). */
export function isIndexBlock(failure: Pick<ItemFailure, "type">): boolean {
  return failure.type === "cluster_block_exception";
}

/** Whether a block is the one the disk monitor sets at the flood-stage watermark (id 12). */
export function isFloodStageBlock(reason: string): boolean {
  return /flood-stage|read-only-allow-delete|read_only_allow_delete|\/12\//.test(reason);
}

/**
 * The error a run stops with when the target refuses a document for the credentials (a missing
 * write permission): no dead letter, since every document would be refused alike.
 */
export function deniedWriteError(
  target: string,
  failure: Pick<ItemFailure, "item" | "reason" | "status">,
): Error {
  return new FetchMigrationError(
    "refused",
    `the target ${target} refuses writes to ${failure.item.index} (${failure.status}): ` +
      shortReason(failure.reason, 300),
    `${privilegeHint(failure.reason)}; the copy continues from its checkpoints`,
  );
}

/**
 * The error a run stops with when the target keeps refusing writes to an index for a block:
 * which index, why, how to lift it, and that the same command then continues.
 */
export function blockedIndexError(failure: Pick<ItemFailure, "item" | "reason">): Error {
  const index = failure.item.index;
  const next = "then run the same command again: it continues from its checkpoints";
  if (isFloodStageBlock(failure.reason)) {
    return new FetchMigrationError(
      "refused",
      `the target refuses writes to ${index}: the index is read-only because the target's ` +
        `disk passed its flood-stage watermark (${shortReason(failure.reason, 200)})`,
      "free disk space on the target (or give it more); it lifts the block itself once disk " +
        `use falls below the high watermark (older versions: PUT ${index}/_settings ` +
        `{"index.blocks.read_only_allow_delete": null}); ${next}`,
    );
  }
  return new FetchMigrationError(
    "refused",
    `the target refuses writes to ${index}: the index is blocked (${
      shortReason(failure.reason, 200)
    })`,
    `lift the block on the target (e.g. PUT ${index}/_settings {"index.blocks.write": null}); ` +
      next,
  );
}
