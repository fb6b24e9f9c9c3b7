/**
 * Words and columns for people: counts with the right noun form, and text padded by the width a
 * terminal gives it (a CJK character takes two columns, a combining accent none). Pure; imports
 * nothing but `deps.ts`, so any layer may use it.
 */
import { stringWidth } from "./deps.ts";

/** Plurals English does not make by adding -s or -es, among the nouns the reports use. */
const IRREGULAR: Readonly<Record<string, string>> = {
  index: "indices",
};

/**
 * The plural form of a noun, or of a phrase ending in one: `index` → `indices`, `system index` →
 * `system indices`, `entry` → `entries`, `match` → `matches`.
 */
export function pluralOf(singular: string): string {
  const at = singular.lastIndexOf(" ") + 1;
  const head = singular.slice(0, at);
  const word = singular.slice(at);
  const irregular = IRREGULAR[word];
  if (irregular !== undefined) return head + irregular;
  if (/[^aeiou]y$/i.test(word)) return head + word.slice(0, -1) + "ies";
  if (/(s|x|z|ch|sh)$/i.test(word)) return head + word + "es";
  return head + word + "s";
}

/**
 * A count with its noun in the matching form: `plural(1, "document")` is "1 document",
 * `plural(3, "index")` "3 indices", `plural(0, "index")` "0 indices". `pluralForm` overrides
 * the rule.
 */
export function plural(count: number, singular: string, pluralForm?: string): string {
  return `${count} ${noun(count, singular, pluralForm)}`;
}

/** The noun alone in the form `count` asks for, for counts printed another way ("1,500 docs"). */
export function noun(count: number, singular: string, pluralForm?: string): string {
  return count === 1 ? singular : pluralForm ?? pluralOf(singular);
}

/** Columns `text` takes on a terminal: East Asian wide characters count two, ANSI colours none. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * `text` padded with spaces to `width` terminal columns (never cut): on the right by default,
 * on the left with `align: "right"`, for numbers.
 */
export function padDisplay(
  text: string,
  width: number,
  align: "left" | "right" = "left",
): string {
  const padding = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "left" ? text + padding : padding + text;
}

/**
 * Rows as aligned columns two spaces apart, measured by display width; columns in `right` are
 * right-aligned (numbers), the last column is never padded, and trailing spaces are dropped.
 */
export function formatColumns(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  if (rows.length === 0) return [];
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from(
    { length: columns },
    (_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? ""))),
  );
  return rows.map((row) =>
    row.map((cell, column) =>
      column === row.length - 1 && !right.has(column)
        ? cell
        : padDisplay(cell, widths[column], right.has(column) ? "right" : "left")
    ).join("  ").trimEnd()
  );
}

/** Bytes as operators read them: `2.3 GB`, `11.0 MB`, `512 KB`, `800 B` (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
