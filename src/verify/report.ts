/**
 * What `verify` found, as data (the `--json` document), as a table for people, and as progress
 * lines. Pure.
 */
import { formatCount } from "../backfill/progress.ts";
import type { DocumentDiff } from "./diff.ts";
import type { NotVerified } from "./selection.ts";
import { formatColumns, noun, plural } from "../text.ts";

/** The document-by-document comparison of one index (`--checksums`). */
export interface ChecksumResult extends DocumentDiff {
  /** Source documents hashed. */
  source_count: number;
  /** Target documents hashed. */
  target_count: number;
  /** Buckets (of 4096) whose digests differ; 0 when both sides are equal. */
  buckets_differing: number;
  /**
   * Some differing buckets were not diffed to keep memory bounded: the lists and totals cover
   * part of the differences only.
   */
  capped: boolean;
}

/** A random sample of source documents looked up on the target (`--sample N`). */
export interface SampleResult {
  requested: number;
  /** Source documents drawn (fewer than requested on a small index). */
  checked: number;
  /** Seed of `random_score`, to draw the same sample again. */
  seed: number;
  /** Sampled ids the target does not hold (under the same routing). */
  missing: string[];
  /** Sampled ids whose routing or `_source` differ on the target. */
  different: string[];
}

/** `ok`: all checks agree; `mismatch`: some differ; `missing`: no such target index. */
export type IndexStatus = "ok" | "mismatch" | "missing" | "error";

/** The outcome for one index. */
export interface IndexResult {
  index: string;
  /** Top-level documents (`_count`); `null` when the index does not exist on that side. */
  source_count: number | null;
  target_count: number | null;
  status: IndexStatus;
  checksums?: ChecksumResult;
  sample?: SampleResult;
  /** Why the index could not be verified (status `error`). */
  error?: string;
}

/** One side of the comparison; the URL never carries credentials. */
export interface ClusterSide {
  url: string;
  distribution: string;
  version: string;
}

/** The `--json` document. */
export interface VerifyReport {
  source: ClusterSide;
  target: ClusterSide;
  /** Which checks ran: `counts` always, `checksums` and `sample` when asked. */
  checks: Array<"counts" | "checksums" | "sample">;
  indices: IndexResult[];
  not_verified: NotVerified[];
  /** `succeeded` when at least one index was verified and every verified index is `ok`. */
  status: "succeeded" | "failed";
}

/** The status an index's findings add up to. */
export function indexStatus(result: Omit<IndexResult, "status">): IndexStatus {
  if (result.error !== undefined) return "error";
  if (result.source_count === null) return "error";
  if (result.target_count === null) return "missing";
  if (result.source_count !== result.target_count) return "mismatch";
  if (result.checksums && result.checksums.buckets_differing > 0) return "mismatch";
  if (result.sample && (result.sample.missing.length + result.sample.different.length) > 0) {
    return "mismatch";
  }
  return "ok";
}

/**
 * The report from the per-index results; `ok` only when every index is, and never when no index
 * was verified (nothing proven is no proof).
 */
export function buildReport(
  source: ClusterSide,
  target: ClusterSide,
  checks: VerifyReport["checks"],
  indices: IndexResult[],
  notVerified: NotVerified[],
): VerifyReport {
  return {
    source,
    target,
    checks,
    indices,
    not_verified: notVerified,
    status: indices.length > 0 && indices.every((result) => result.status === "ok")
      ? "succeeded"
      : "failed",
  };
}

/** The short "details" cell of the table. */
export function indexDetails(result: IndexResult): string {
  if (result.error !== undefined) return result.error;
  if (result.source_count === null) return "missing on source";
  if (result.target_count === null) return "missing on target";
  const parts: string[] = [];
  const delta = result.target_count - result.source_count;
  if (delta !== 0) {
    parts.push(`target has ${formatCount(Math.abs(delta))} ${delta < 0 ? "fewer" : "more"}`);
  }
  const sums = result.checksums;
  if (sums) {
    if (sums.buckets_differing === 0) {
      parts.push(
        `checksums equal (${formatCount(sums.source_count)} ${noun(sums.source_count, "doc")})`,
      );
    } else {
      const found = [
        sums.missing_total ? `${formatCount(sums.missing_total)} missing` : "",
        sums.extra_total ? `${formatCount(sums.extra_total)} extra` : "",
        sums.different_total ? `${formatCount(sums.different_total)} different` : "",
      ].filter(Boolean);
      parts.push(
        found.length > 0
          ? `checksums: ${sums.capped ? "at least " : ""}${found.join(", ")}`
          : "checksums differ, but no single document could be named (written during the check?)",
      );
    }
  }
  const sample = result.sample;
  if (sample) {
    const bad = sample.missing.length + sample.different.length;
    parts.push(
      bad === 0
        ? `sample of ${sample.checked} equal`
        : `sample of ${sample.checked}: ${sample.missing.length} missing, ` +
          `${sample.different.length} different`,
    );
  }
  return parts.join("; ");
}

/** The human report: a table, the ids behind each difference, what was left out, a verdict. */
export function formatVerifyText(report: VerifyReport): string {
  const header = ["index", "source", "target", "result", "details"];
  const rows = report.indices.map((result) => [
    result.index,
    countCell(result.source_count),
    countCell(result.target_count),
    result.status,
    indexDetails(result),
  ]);
  const lines = [
    `verify ${report.source.url} (${report.source.distribution} ${report.source.version}) → ` +
    `${report.target.url} (${report.target.distribution} ${report.target.version}): ` +
    report.checks.join(", "),
  ];
  if (rows.length === 0) lines.push("no index to verify");
  else lines.push(...table([header, ...rows]));
  for (const result of report.indices) lines.push(...idLines(result));
  if (report.not_verified.length > 0) {
    lines.push("not verified:");
    for (const { index, reason } of report.not_verified) lines.push(`  ${index}: ${reason}`);
  }
  const failed = report.indices.filter((result) => result.status !== "ok").length;
  lines.push(
    report.indices.length === 0
      ? "nothing verified"
      : report.status === "succeeded"
      ? `verification passed: ${plural(report.indices.length, "index")} match`
      : `verification FAILED: ${differCount(failed, report.indices.length)}`,
  );
  return lines.join("\n");
}

/** Which pass of the checksums is running. */
export type ChecksumPass = "digests" | "contents" | "differences";

/** Counters of a checksum pass, for the progress line. */
export interface ChecksumProgress {
  index: string;
  pass: ChecksumPass;
  source: { hashed: number; expected: number };
  target: { hashed: number; expected: number };
}

/** `checksums logs-1 (digests): source 12,000 / 50,000, target 11,500 / 50,000 documents`. */
export function formatChecksumProgress(progress: ChecksumProgress): string {
  const side = ({ hashed, expected }: { hashed: number; expected: number }) =>
    `${formatCount(hashed)} / ${formatCount(expected)}`;
  return `checksums ${progress.index} (${progress.pass}): source ${side(progress.source)}, ` +
    `target ${side(progress.target)} documents hashed`;
}

function countCell(count: number | null): string {
  return count === null ? "-" : formatCount(count);
}

function idLines(result: IndexResult): string[] {
  const lines: string[] = [];
  const list = (label: string, ids: string[], total: number) => {
    if (total === 0) return;
    const more = total > ids.length ? `, … (${formatCount(total)} in all)` : "";
    lines.push(`  ${label} (${formatCount(total)}): ${ids.join(", ")}${more}`);
  };
  const sums = result.checksums;
  if (sums) {
    list("missing on target", sums.missing, sums.missing_total);
    list("extra on target", sums.extra, sums.extra_total);
    list("different", sums.different, sums.different_total);
    if (sums.capped) {
      lines.push(
        "  (too many differences to name them all in bounded memory: the lists cover " +
          "some of the differing buckets)",
      );
    }
  }
  const sample = result.sample;
  if (sample) {
    list(`sample (seed ${sample.seed}) missing on target`, sample.missing, sample.missing.length);
    list(`sample (seed ${sample.seed}) different`, sample.different, sample.different.length);
  }
  return lines.length > 0 ? [`${result.index}:`, ...lines] : [];
}

/** "1 of 4 indices differs", "3 of 4 indices differ". */
export function differCount(failed: number, total: number): string {
  return `${failed} of ${plural(total, "index")} ${failed === 1 ? "differs" : "differ"}`;
}

/**
 * Left-aligned columns, numbers right-aligned, two spaces apart, measured by display width (a
 * CJK index name takes two columns a character); the last column unpadded.
 */
function table(rows: string[][]): string[] {
  return formatColumns(rows, new Set([1, 2]));
}
