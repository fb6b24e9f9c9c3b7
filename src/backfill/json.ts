/**
 * Search pages as JSON without losing digits. `JSON.parse` turns an integer above 2^53 in a
 * document (a 64-bit id, a nanosecond timestamp) into a nearby double, and writing that back
 * would change the document. Pages holding a long run of digits are parsed losslessly instead,
 * keeping every number's text; the rest take the fast native parser. Pure.
 */
import { LosslessNumber, parseLosslessJson, stringifyLosslessJson } from "../deps.ts";

// An integer of 16 digits may already exceed 2^53 (9007199254740992). Only a whole JSON number
// token counts: digits inside a string (a hex id, a hash) or in a fraction or an exponent do
// not, since a double goes through `JSON.parse` and back to the same value. A string that
// happens to look like such a token only costs the slower parser, never correctness.
const LONG_DIGITS = /[:[,]\s*-?\d{16,}\s*[,\]}]/;

/** Whether a JSON text may hold an integer that a double cannot represent exactly. */
export function needsExactParse(text: string): boolean {
  return LONG_DIGITS.test(text);
}

/** Parses a JSON text, keeping the exact text of numbers that a double cannot hold. */
export function parseJsonExact(text: string): unknown {
  return needsExactParse(text) ? parseLosslessJson(text) : JSON.parse(text);
}

/** Serialises a value from {@link parseJsonExact} back to JSON, numbers as they were. */
export function stringifyJsonExact(value: unknown): string {
  return containsLossless(value) ? stringifyLosslessJson(value) as string : JSON.stringify(value);
}

/** A number from either parser, as a JavaScript number (for `_seq_no`, counts and the like). */
export function toNumber(value: unknown): number {
  return value instanceof LosslessNumber ? Number(value.value) : Number(value);
}

function containsLossless(value: unknown): boolean {
  if (value instanceof LosslessNumber) return true;
  if (Array.isArray(value)) return value.some(containsLossless);
  if (value !== null && typeof value === "object") {
    return Object.values(value as Record<string, unknown>).some(containsLossless);
  }
  return false;
}
