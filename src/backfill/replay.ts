/**
 * Sending again what an earlier run left in the dead-letter file. Documents the target pushed
 * back on (429, 5xx, no answer) are sent again by default, those it refused for good (4xx) only
 * when asked; whatever is refused again goes back into the file. Crash-safe: the file being
 * replayed is renamed first, so a crash part way leaves it whole for the next run.
 */
import { pathExists } from "../fs.ts";
import type { ClusterClient } from "../cluster/client.ts";
import { parseLosslessJson } from "../deps.ts";
import { failureKey, isTransientItemStatus } from "./bulk.ts";
import { DeadLetterFile } from "./deadletter.ts";
import type { SourceDocument } from "./reader.ts";
import { BulkWriter, type BulkWriterOptions } from "./writer.ts";

/** One line of the dead-letter file, as {@link DeadLetterFile} writes it. */
interface DeadLetter {
  index: string;
  id: string;
  routing?: string;
  status: number;
  type?: string;
  reason: string;
  source: unknown;
}

/** What a replay did. */
export interface ReplayResult {
  sent: number;
  written: number;
  /** Left in the file unsent (refused for good, without `all`). */
  kept: number;
  /** Of the written, how many per index. */
  writtenPerIndex: Record<string, number>;
}

/** Documents per page sent again, so a large file is not held whole in requests. */
const REPLAY_CHUNK = 500;

/** Whether a dead letter was push-back rather than a refusal for good. */
export function isPushBack(status: number): boolean {
  return status === 0 || isTransientItemStatus(status);
}

/** A line's summary key, as the writer counts refusals (`400 mapper_parsing_exception`). */
function reasonKey(letter: DeadLetter): string {
  // Lines written before the type was stored carry it at the start of the reason.
  const type = letter.type ?? /^([a-z_]+):/.exec(letter.reason)?.[1];
  return failureKey({ status: letter.status, type });
}

/**
 * Sends the dead letters of `path` again (push-back ones, or `all`), appending what is refused
 * again and what was not sent to `path` anew.
 */
export async function replayDeadLetters(
  target: ClusterClient,
  path: string,
  options: Omit<BulkWriterOptions, "deadLetters"> & { all: boolean },
): Promise<ReplayResult> {
  const replaying = `${path}.replaying`;
  if (await pathExists(replaying)) {
    // An earlier replay stopped part way: what it appended derives from the replaying file.
    await Deno.remove(path).catch(() => {});
  } else if (await pathExists(path)) {
    await Deno.rename(path, replaying);
  } else {
    return { sent: 0, written: 0, kept: 0, writtenPerIndex: {} };
  }
  const letters = await readDeadLetters(replaying);
  const resend = letters.filter((letter) => options.all || isPushBack(letter.status));
  const keep = letters.filter((letter) => !resend.includes(letter));
  if (keep.length > 0) {
    await Deno.writeTextFile(path, keep.map((letter) => letter.line + "\n").join(""), {
      append: true,
      mode: 0o600,
    });
  }
  const deadLetters = new DeadLetterFile(path);
  const writer = new BulkWriter(target, { ...options, deadLetters });
  const writtenPerIndex: Record<string, number> = {};
  const result = (sent: number) => ({
    sent,
    written: writer.stats.written,
    kept: keep.length,
    writtenPerIndex,
  });
  try {
    for (let at = 0; at < resend.length; at += REPLAY_CHUNK) {
      // Stopped: the replaying file stays whole, and the next run starts the replay again.
      if (options.signal?.aborted) return result(at);
      for (const [index, documents] of groupByIndex(resend.slice(at, at + REPLAY_CHUNK))) {
        const before = writer.stats.written;
        await writer.write(index, documents);
        writtenPerIndex[index] = (writtenPerIndex[index] ?? 0) + writer.stats.written - before;
      }
    }
  } finally {
    deadLetters.close();
  }
  await Deno.remove(replaying);
  return result(resend.length);
}

/** How many documents the file holds, in all and per reason key. */
export async function summarizeDeadLetters(
  path: string,
): Promise<{ count: number; reasons: Record<string, number> }> {
  const reasons: Record<string, number> = {};
  let count = 0;
  for (const letter of await readDeadLetters(path).catch(() => [])) {
    count++;
    const key = reasonKey(letter);
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  return { count, reasons };
}

async function readDeadLetters(path: string): Promise<Array<DeadLetter & { line: string }>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  // A line cut short by a crash cannot be sent; the source still holds that document.
  return text.split("\n").filter((line) => line.trim() !== "").flatMap((line) => {
    try {
      const parsed = parseLosslessJson(line) as unknown as DeadLetter;
      return [{ ...parsed, status: Number(parsed.status), line }];
    } catch {
      return [];
    }
  });
}

function groupByIndex(letters: DeadLetter[]): Map<string, SourceDocument[]> {
  const groups = new Map<string, SourceDocument[]>();
  for (const letter of letters) {
    const documents = groups.get(letter.index) ?? [];
    documents.push({
      id: String(letter.id),
      ...(letter.routing !== undefined ? { routing: String(letter.routing) } : {}),
      source: letter.source,
      // Parsed losslessly: long numbers keep every digit on the way back out.
      exact: true,
      seqNo: 0,
    });
    groups.set(letter.index, documents);
  }
  return groups;
}
