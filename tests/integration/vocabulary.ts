/**
 * The rules of docs/json.md, as a checker of any command's JSON: key names, the status words,
 * endpoints as objects, counts and rates. Used by json_vocabulary_test.ts; pure.
 */
import { COMMAND_STATUSES } from "../../src/vocabulary.ts";

/** Keys whose values are maps keyed by data (index names, reasons, field names), not by us. */
const DATA_KEYS = new Set([
  "per_index",
  "primary_bytes",
  "dead_letter_reasons",
  "by_reason",
  "left_out_by_reason",
  "body",
  "differences",
  "tuned",
  "settings",
  "mappings",
  "aliases",
]);

/** Every place `json` breaks a rule, as `path: what`; empty when it follows them all. */
export function vocabularyProblems(json: unknown, where: string): string[] {
  const problems: string[] = [];
  const top = json as Record<string, unknown>;
  if (typeof top !== "object" || top === null || Array.isArray(top)) {
    return [`${where}: not a JSON object`];
  }
  if ("status" in top && !COMMAND_STATUSES.includes(top.status as never)) {
    problems.push(`${where}.status: "${top.status}" is not one of ${COMMAND_STATUSES.join(", ")}`);
  }
  for (const side of ["source", "target"]) {
    if (!(side in top)) continue;
    const endpoint = top[side] as { url?: unknown };
    if (typeof endpoint !== "object" || endpoint === null || typeof endpoint.url !== "string") {
      problems.push(`${where}.${side}: an endpoint is an object with a url`);
    } else if (endpoint.url.includes("@")) {
      problems.push(`${where}.${side}.url carries user info`);
    }
  }
  walk(json, where, problems);
  return problems;
}

function walk(value: unknown, path: string, problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, problems));
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const object = value as Record<string, unknown>;
  for (const [key, inner] of Object.entries(object)) {
    const at = `${path}.${key}`;
    checkKey(key, inner, at, problems);
    if (!DATA_KEYS.has(key)) walk(inner, at, problems);
  }
  // Per-index counts are source_count/target_count, as verify's.
  if (
    "index" in object && (typeof object.source === "number" || typeof object.target === "number")
  ) {
    problems.push(`${path}: per-index counts are source_count and target_count`);
  }
}

function checkKey(key: string, value: unknown, at: string, problems: string[]): void {
  if (!/^[a-z]+(_[a-z0-9]+)*$/.test(key)) problems.push(`${at}: not snake_case`);
  if (key === "dryrun") problems.push(`${at}: the key is dry_run`);
  if (key === "dry_run" && typeof value !== "boolean") problems.push(`${at}: not a boolean`);
  if (key === "indices" && typeof value === "number") {
    problems.push(`${at}: a number of indices is index_count`);
  }
  if (key === "documents" && (typeof value !== "object" || value === null)) {
    problems.push(`${at}: a number of documents is document_count`);
  }
  if (key.endsWith("_documents")) problems.push(`${at}: a count of documents is *_count`);
  if (key === "journal" && value !== null && typeof value !== "string") {
    problems.push(`${at}: a journal is its path`);
  }
  if (key.endsWith("_count") && value !== null && typeof value !== "number") {
    problems.push(`${at}: a count is a number`);
  }
  if (key === "docs_per_second" || key.endsWith("_seconds")) {
    if (value !== null && typeof value !== "number") problems.push(`${at}: not a number`);
    else if (typeof value === "number" && Math.round(value * 10) !== value * 10) {
      problems.push(`${at}: ${value} is not rounded to one decimal`);
    }
  }
  if ((key === "status" || key === "state") && typeof value !== "string") {
    problems.push(`${at}: a status is a word`);
  }
}
