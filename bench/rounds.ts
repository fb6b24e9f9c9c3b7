/**
 * Several rounds of the contenders, taken in turns: on a shared machine the same contender's
 * rate moves by up to a fifth from one run to the next, so a ratio of two single runs can say
 * either thing. Each contender's row in the report is its median round. Pure.
 */
import type { Row } from "./contenders.ts";
import { formatCount } from "./format.ts";

/** A row as measured in one round. */
export interface RoundRow extends Row {
  round: number;
}

/**
 * One row per contender, in the order of the first round: the median round by docs/s, or the
 * first failed round when any failed (a failure is never hidden by the others). With several
 * rounds its notes start with every round's docs/s.
 */
export function medianRows(rows: RoundRow[]): Row[] {
  const keys = [...new Set(rows.map((row) => row.key))];
  return keys.map((key) => {
    const rounds = rows.filter((row) => row.key === key);
    const failed = rounds.find((row) => row.status !== "ok");
    const chosen = failed ?? medianBy(rounds, (row) => row.docsPerSecond ?? 0);
    if (rounds.length < 2) return withoutRound(chosen);
    const rates = rounds.map((row) =>
      row.status === "ok" ? formatCount(row.docsPerSecond ?? 0) : row.status
    );
    const note = `${failed ? "round " + failed.round + " of" : "median of"} ${rounds.length} ` +
      `rounds taken in turns (docs/s: ${rates.join(", ")})`;
    return { ...withoutRound(chosen), notes: [note, ...chosen.notes] };
  });
}

/** The median item by `value` (the lower middle one of an even count). */
export function medianBy<T>(items: T[], value: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function withoutRound(row: RoundRow): Row {
  const { round: _round, ...rest } = row;
  return rest;
}
