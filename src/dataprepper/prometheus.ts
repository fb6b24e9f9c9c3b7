/**
 * Reads what Data Prepper serves on `/metrics/prometheus`: the Prometheus text format 0.0.4 as
 * Micrometer's simpleclient registry writes it, e.g.
 * `my_pipeline_opensearch_documentsSuccess_total{serviceName="dataprepper",} 12345.0`.
 *
 * A small parser of our own rather than the `parse-prometheus-text-format` package: that package
 * trims each line and then throws on `# HELP name` without text, and Micrometer writes exactly
 * that (`# HELP name  `, its help is " ") for every meter without a description, which is nearly
 * all of Data Prepper's. It also folds summaries into objects and keeps values as strings.
 *
 * Only sample lines are read; `# HELP`/`# TYPE` lines are skipped, so a counter reads the same
 * with or without them. Pure.
 */

/** One sample line: metric name, labels and value (`NaN` and `±Inf` included). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
/** A Go `ParseFloat` number as Prometheus writes and reads it, Java's `1.0E7` included. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses Prometheus text format 0.0.4 into its samples, in the order of the text. Blank and
 * comment lines are skipped; a line that is not a sample is skipped too and handed to
 * `onInvalidLine` (1-based line number), so one odd line never hides the others.
 */
export function parsePrometheusText(
  text: string,
  onInvalidLine?: (line: string, lineNumber: number) => void,
): Sample[] {
  const samples: Sample[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
    else onInvalidLine?.(raw, index + 1);
  });
  return samples;
}

/** `name{label="value",...} value [timestamp]`, or `undefined` when the line is not one. */
function parseSampleLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === "{") {
    const read = readLabels(line, at + 1, labels);
    if (read === undefined) return undefined;
    at = read;
  }
  // Value, then an optional timestamp in milliseconds.
  const fields = line.slice(at).trim().split(/[ \t]+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === "") return undefined;
  if (fields.length === 2 && !/^-?\d+$/.test(fields[1])) return undefined;
  const value = parseValue(fields[0]);
  return value === undefined ? undefined : { name, labels, value };
}

/**
 * Reads labels from just after `{` to its `}`, accepting the trailing comma simpleclient writes
 * (`{serviceName="dataprepper",}`); returns the position after `}`.
 */
function readLabels(line: string, from: number, labels: Record<string, string>) {
  let at = from;
  const skipSpaces = () => {
    while (line[at] === " " || line[at] === "\t") at++;
  };
  for (;;) {
    skipSpaces();
    if (line[at] === "}") return at + 1;
    const labelName = LABEL_NAME.exec(line.slice(at))?.[0];
    if (labelName === undefined) return undefined;
    at += labelName.length;
    skipSpaces();
    if (line[at] !== "=") return undefined;
    at++;
    skipSpaces();
    if (line[at] !== '"') return undefined;
    at++;
    let value = "";
    for (;;) {
      const char = line[at];
      if (char === undefined) return undefined;
      at++;
      if (char === '"') break;
      if (char === "\\") {
        const escaped = line[at++];
        if (escaped === undefined) return undefined;
        value += escaped === "n"
          ? "\n"
          : escaped === "\\" || escaped === '"'
          ? escaped
          : `\\${escaped}`;
      } else {
        value += char;
      }
    }
    labels[labelName] = value;
    skipSpaces();
    if (line[at] === ",") at++;
    else if (line[at] !== "}") return undefined;
  }
}

function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  return NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * The prefix of a pipeline's series as Micrometer's Prometheus naming convention writes it:
 * every character outside `[a-zA-Z0-9_:]` becomes `_` (so `my-pipeline` → `my_pipeline`), and
 * a name that then does not start with a letter gets `m_` in front, as Micrometer does.
 */
export function pipelineSeriesPrefix(pipelineName: string): string {
  const sanitized = pipelineName.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[a-zA-Z]/.test(sanitized) ? sanitized : `m_${sanitized}`;
}

/**
 * The value of one of a pipeline's series, e.g. `seriesValue(samples, "my-pipeline",
 * "opensearch_documentsSuccess")` reads `my_pipeline_opensearch_documentsSuccess_total` (or the
 * same name without `_total`), summed over its label sets. `undefined` when the series is not
 * there: Data Prepper registers a meter only once its component is built.
 */
export function seriesValue(
  samples: readonly Sample[],
  pipelineName: string,
  suffix: string,
): number | undefined {
  const name = `${pipelineSeriesPrefix(pipelineName)}_${suffix}`;
  const total = `${name}_total`;
  let sum: number | undefined;
  for (const sample of samples) {
    if (sample.name === name || sample.name === total) sum = (sum ?? 0) + sample.value;
  }
  return sum;
}
