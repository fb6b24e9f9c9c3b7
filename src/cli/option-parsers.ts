/** Parsers of option values shared by the commands; each throws commander's usage error. */
import { InvalidArgumentError } from "../deps.ts";

/** A TCP port; 0 picks a free one. */
export function portNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${text}"`);
  }
  return value;
}

/** A whole number above 0. */
export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a whole number above 0, got "${text}"`);
  }
  return value;
}

/** `5mb`, `512kb`, `1000000` → bytes. */
export function byteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`expected a size such as 5mb or 512kb, got "${text}"`);
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes < 1024) {
    throw new InvalidArgumentError(`a batch of ${text} is too small; use 1kb or more`);
  }
  return bytes;
}

/**
 * Bytes as `--batch-bytes` takes them (5242880 → `5mb`), so a default reads in the units typed;
 * the largest unit that divides the size exactly, and plain bytes when none does.
 */
export function byteSizeText(bytes: number): string {
  for (const [unit, factor] of [["gb", 1024 ** 3], ["mb", 1024 ** 2], ["kb", 1024]] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** A number above 0 (seconds, for instance). */
export function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a number above 0, got "${text}"`);
  }
  return value;
}
