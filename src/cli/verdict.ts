/**
 * The last line of every command: its verdict in words, on stderr, so an operator (or a log
 * reader) sees at a glance whether the command did what it was asked, without reading a table.
 * `verdict: ...` when it did, `FAILED: ...` when not; the error and its hint follow a failure.
 * (`verify`'s table ends with its own: "verification passed: ..." or "verification FAILED: ...".)
 * Pure text builders, and one printer that `-q` silences like every summary.
 */
import { formatCount } from "../backfill/progress.ts";
import { shortfalls } from "../migrate/checks.ts";
import type { MigrationResult } from "../migrate/run.ts";
import { noun, plural } from "../text.ts";
import { printSummary } from "./output.ts";

/** A command's verdict: whether it did everything, and in words. */
export interface Verdict {
  ok: boolean;
  text: string;
}

/** The verdict's line: `verdict: ...` or `FAILED: ...`. */
export function verdictLine(verdict: Verdict): string {
  return verdict.ok ? `verdict: ${verdict.text}` : `FAILED: ${verdict.text}`;
}

/** Prints the verdict line (a summary: `-q` leaves it out; a failure's error still shows). */
export function printVerdict(verdict: Verdict, tag = ""): void {
  printSummary(tag + verdictLine(verdict));
}

/** `50,000 documents`: the count with thousands separated, and the noun that fits it. */
export function counted(count: number, singular: string): string {
  return `${formatCount(count)} ${noun(count, singular)}`;
}

/** At most `max` names, then how many more. */
function names(list: string[], max = 3): string {
  return list.length <= max
    ? list.join(", ")
    : `${list.slice(0, max).join(", ")} and ${list.length - max} more`;
}

/** The first step of a failure's hint ("run the same command again"), to end a verdict with. */
function firstStep(hint: string | undefined): string {
  const step = hint?.split("; ")[0].split(": ")[0].trim();
  return step ? `; ${step}` : "";
}

/** What `run` did, from its result. */
export function runVerdict(result: MigrationResult): Verdict {
  const indices = plural(result.indices.length, "index");
  if (result.status === "dry-run") {
    const documents = result.indices.reduce(
      (sum, name) => sum + (result.plan.documents.per_index[name] ?? 0),
      0,
    );
    return {
      ok: !result.failure,
      text: `dry run: would migrate ${indices}, ${counted(documents, "document")}; nothing was ` +
        "changed",
    };
  }
  if (result.status === "interrupted") {
    const copied = result.copy
      ? `${formatCount(result.copy.copied)} of ` +
        `${formatCount(result.copy.expected)} documents written; `
      : "";
    return { ok: false, text: `stopped before the end: ${copied}the same command continues` };
  }
  if (result.status === "completed") return { ok: true, text: completedText(result, indices) };
  return { ok: false, text: shortcomingText(result) + firstStep(result.failure?.hint) };
}

/** `migrated 12 indices, 50,000 documents; all arrived[; verified: ...]`. */
function completedText(result: MigrationResult, indices: string): string {
  if (result.part) {
    return `part ${result.part.index} of ${result.part.count} copied its share of ${indices}`;
  }
  const onTarget = result.counts.reduce((sum, { target }) => sum + (target ?? 0), 0);
  const verified = result.verified
    ? `; verified: every document of ${plural(result.verified.indices.length, "index")} matches`
    : "";
  return `migrated ${indices}, ${counted(onTarget, "document")}; all arrived${verified}`;
}

/** What is missing, the most telling first: documents, refusals, differences, indices. */
function shortcomingText(result: MigrationResult): string {
  const parts: string[] = [];
  const short = shortfalls(result.counts);
  if (short.length > 0) {
    const missing = short.reduce(
      (sum, c) => sum + Math.max(0, (c.source ?? 0) - (c.target ?? 0)),
      0,
    );
    parts.push(`${counted(missing, "document")} missing in ${names(short.map((c) => c.index))}`);
  }
  if ((result.copy?.deadLettered ?? 0) > 0) {
    parts.push(`${counted(result.copy!.deadLettered, "document")} refused by the target`);
  }
  if (result.verified && result.verified.differing.length > 0) {
    parts.push(`verification: documents differ in ${names(result.verified.differing)}`);
  }
  if (result.unmigratable.length > 0) {
    parts.push(
      `${plural(result.unmigratable.length, "index")} not migrated (` +
        `${names(result.unmigratable.map(({ name }) => name))})`,
    );
  }
  if (parts.length === 0) {
    // Something else the run flow named (settings not restored, indices new meanwhile).
    parts.push(result.failure?.message.split("\n")[1]?.replace(/^\s*- /, "") ?? "not done");
  }
  return parts.join("; ");
}
