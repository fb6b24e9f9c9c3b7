/**
 * The native engine's counters in the Prometheus text format 0.0.4, under the series names Data
 * Prepper exposes, so a scraper or a Data Prepper monitor reads a native run unchanged. Pure.
 *
 * The text is written as Data Prepper's registry writes it (Micrometer's legacy
 * PrometheusMeterRegistry over the Prometheus simpleclient): a meter `<pipeline>.<component>.<name>`
 * becomes `<pipeline>_<component>_<name>` with camelCase kept and every character outside
 * `[a-zA-Z0-9_:]` as `_`; counters end in `_total`; every sample carries
 * `serviceName="dataprepper"`; a meter without a description has the help text " "; labels end
 * with a comma; values are Java doubles (`3000.0`, `1.0E7`). Our own series, `fetch_migration_*`,
 * carry the pipeline's name as a label.
 */
import type { CopyProgress } from "../migrate/engine.ts";

/** Content type of the text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Data Prepper's `serviceName` tag on every meter. */
export const SERVICE_NAME = "dataprepper";

/** What one pipeline's series are made of. */
export interface PipelineSnapshot {
  /** The pipeline's name as the YAML spells it. */
  name: string;
  /** The engine's latest counters; none before the copy starts (every series is then 0). */
  progress?: CopyProgress;
  /** Polls that found no work left (Data Prepper's `noPartitionsAcquired`). */
  idlePolls: number;
}

/** One sample of a family. */
export interface Sample {
  labels: Array<[string, string]>;
  value: number;
}

/** A metric family: its HELP and TYPE lines and its samples, with one name. */
export interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  samples: Sample[];
}

/**
 * A pipeline name as the prefix of its series: Micrometer's Prometheus naming convention
 * (`my-pipeline` → `my_pipeline`; a name that cannot start a series gets `m_` before it).
 */
export function seriesPrefix(pipelineName: string): string {
  const sanitized = pipelineName.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[a-zA-Z_:]/.test(sanitized) ? sanitized : `m_${sanitized}`;
}

/**
 * A number as Java's `Double.toString` writes it, which is what Data Prepper's registry puts
 * out: `0.0`, `3000.0`, `0.25`, `1.0E7`, `1.2345678E7`, `1.0E-4`, `NaN`, `+Inf`.
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes(".") ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Families in the text format 0.0.4, as the simpleclient's `TextFormat.write004` writes them. */
export function formatFamilies(families: Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = sample.labels.length === 0
        ? ""
        : `{${
          sample.labels.map(([key, value]) => `${key}="${escapeLabelValue(value)}",`).join("")
        }}`;
      lines.push(`${family.name}${labels} ${javaDouble(sample.value)}`);
    }
  }
  return lines.map((line) => `${line}\n`).join("");
}

/** Data Prepper's help text of a meter registered without a description. */
const NO_DESCRIPTION = " ";

/** Data Prepper's series of one pipeline, in the order they are written. */
const DATA_PREPPER_SERIES: Array<{
  name: string;
  type: Family["type"];
  value: (snapshot: PipelineSnapshot) => number | undefined;
}> = [
  // The source plugin (`opensearch`): documents read.
  {
    name: "opensearch_documentsProcessed_total",
    type: "counter",
    value: (s) => s.progress?.read,
  },
  // The sink plugin (also `opensearch`): documents acknowledged (over every run of the journal,
  // so it reaches the source's count on a continued run too), refused, and sent again.
  {
    name: "opensearch_documentsSuccess_total",
    type: "counter",
    value: (s) => s.progress?.copied,
  },
  {
    name: "opensearch_documentErrors_total",
    type: "counter",
    value: (s) => s.progress?.deadLettered,
  },
  {
    name: "opensearch_bulkRequestNumberOfRetries_total",
    type: "counter",
    value: (s) => s.progress?.retried,
  },
  // The buffer between them.
  {
    name: "BlockingBuffer_recordsInBuffer",
    type: "gauge",
    value: (s) => s.progress?.inBuffer,
  },
  {
    name: "BlockingBuffer_recordsInFlight",
    type: "gauge",
    value: (s) => s.progress?.inFlight,
  },
  // The source coordinator: a partition is an index, completed once all its slices are done.
  {
    name: "source_coordinator_partitionsCreatedCount_total",
    type: "counter",
    value: (s) => s.progress?.partitionsCreated,
  },
  {
    name: "source_coordinator_partitionsCompleted_total",
    type: "counter",
    value: (s) => s.progress?.partitionsCompleted,
  },
  {
    name: "source_coordinator_noPartitionsAcquired_total",
    type: "counter",
    value: (s) => s.idlePolls,
  },
];

/** Our own series, one family each with a sample per pipeline. */
const OWN_SERIES: Array<{
  name: string;
  type: Family["type"];
  help: string;
  value: (progress: CopyProgress | undefined) => number | undefined;
}> = [
  {
    name: "fetch_migration_documents_read_total",
    type: "counter",
    help: "Documents read from the source by this run.",
    value: (p) => p?.read,
  },
  {
    name: "fetch_migration_documents_written_total",
    type: "counter",
    help: "Documents the target acknowledged in this run.",
    value: (p) => p?.written,
  },
  {
    name: "fetch_migration_bytes_read_total",
    type: "counter",
    help: "Bytes of documents read from the source by this run.",
    value: (p) => p?.bytesRead,
  },
  {
    name: "fetch_migration_retries_total",
    type: "counter",
    help: "Documents sent again in this run after the target pushed back.",
    value: (p) => p?.retried,
  },
  {
    name: "fetch_migration_dead_letters_total",
    type: "counter",
    help: "Documents the target refused in this run, written to the dead-letter file.",
    value: (p) => p?.deadLettered,
  },
  {
    name: "fetch_migration_documents_copied",
    type: "gauge",
    help: "Documents on the target by the journal's copy, over every run.",
    value: (p) => p?.copied,
  },
  {
    name: "fetch_migration_documents_expected",
    type: "gauge",
    help: "Documents of the copied indices on the source when the copy started.",
    value: (p) => p?.expected,
  },
  {
    name: "fetch_migration_slices_done",
    type: "gauge",
    help: "Slices of the copied indices that are done, earlier runs' included.",
    value: (p) => p?.slicesDone,
  },
  {
    name: "fetch_migration_slices",
    type: "gauge",
    help: "Slices of the copied indices in all.",
    value: (p) => p?.slicesTotal,
  },
];

/** The families of every pipeline: Data Prepper's series per pipeline, then our own. */
export function metricFamilies(pipelines: PipelineSnapshot[]): Family[] {
  const service: [string, string] = ["serviceName", SERVICE_NAME];
  const families: Family[] = [];
  for (const snapshot of pipelines) {
    const prefix = seriesPrefix(snapshot.name);
    for (const series of DATA_PREPPER_SERIES) {
      families.push({
        name: `${prefix}_${series.name}`,
        type: series.type,
        help: NO_DESCRIPTION,
        samples: [{ labels: [service], value: series.value(snapshot) ?? 0 }],
      });
    }
  }
  if (pipelines.length > 0) {
    for (const series of OWN_SERIES) {
      families.push({
        name: series.name,
        type: series.type,
        help: series.help,
        samples: pipelines.map((snapshot) => ({
          labels: [["pipeline", snapshot.name], service],
          value: series.value(snapshot.progress) ?? 0,
        })),
      });
    }
  }
  return families;
}

/** The text `/metrics/prometheus` answers with. */
export function metricsText(pipelines: PipelineSnapshot[]): string {
  return formatFamilies(metricFamilies(pipelines));
}
