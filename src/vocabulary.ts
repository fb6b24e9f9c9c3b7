/**
 * The words every command's JSON shares (docs/json.md): one status word set for how a command
 * ended, rates and durations rounded the same way. Pure.
 */

/** How a command ended, in every command's JSON (`status`). */
export type CommandStatus = "succeeded" | "failed" | "interrupted" | "dry_run";

/** The status words, for checks. */
export const COMMAND_STATUSES: readonly CommandStatus[] = [
  "succeeded",
  "failed",
  "interrupted",
  "dry_run",
];

/** A rate or a duration in seconds as the JSON gives it: one decimal. */
export function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}
