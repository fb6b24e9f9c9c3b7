/** Progress lines on stderr and the number formats of the bench's tables. */

const started = performance.now();

/** A progress line on stderr, stamped with the bench's elapsed time. */
export function log(message: string): void {
  const seconds = (performance.now() - started) / 1000;
  const stamp = `${Math.floor(seconds / 60).toString().padStart(3, " ")}:${
    Math.floor(seconds % 60).toString().padStart(2, "0")
  }`;
  console.error(`[bench ${stamp}] ${message}`);
}

/** `1234567.8` → `1 234 568`. */
export function formatCount(value: number): string {
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/** Bytes → `123 MiB`. */
export function formatMiB(bytes: number): string {
  return `${formatCount(bytes / 1024 ** 2)} MiB`;
}

/** Fixed decimals, or `–` when there is no value. */
export function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

/** A Markdown table; `|` inside cells is escaped. */
export function markdownTable(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** `2026-07-01T12-34-56Z`: a UTC time usable as a file name. */
export function fileTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
}
