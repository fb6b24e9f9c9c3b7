/**
 * Which engine copies a run's documents, built from the operator's choice: the native engine
 * (src/backfill/) or Data Prepper (src/dataprepper/). Also the checks of the flags that only one
 * engine takes, made before anything is read.
 */
import { NativeEngine } from "../backfill/native-engine.ts";
import type { ClusterPair } from "../cluster/pair.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { DataPrepperEngine } from "../dataprepper/engine.ts";
import { writerPipelineOf } from "../dataprepper/pipeline-writer.ts";
import { BadInputError } from "../errors.ts";
import type { RunPart } from "../journal/run-journal.ts";
import type { CopyTuning } from "../migrate/copy-options.ts";
import type { TargetTuning } from "../backfill/tune.ts";
import type { DataStreamRefusal, Engine } from "../migrate/engine.ts";

/** The native engine and its controls. */
export interface NativeChoice {
  kind: "native";
  copy: CopyTuning;
  tuneTarget: TargetTuning;
  /** `--part k/N`. */
  part?: RunPart;
  /** `--metrics-port`: Data Prepper's HTTP interface served by the native engine. */
  metrics?: { host: string; port: number; exitWhenDone: boolean };
  /** Why data streams are refused by this copy (sync's first copy: it cannot follow them). */
  dataStreamsRefused?: DataStreamRefusal;
}

/** Data Prepper, from its home, and how it is watched. */
export interface DataPrepperChoice {
  kind: "dataprepper";
  home: string;
  port: number;
  /** `--pipelines K`: the indices split into K pipelines of one Data Prepper. */
  pipelines: number;
  pollIntervalSeconds: number;
  idlePolls: number;
  /** `--metrics-port`: the status page only (Data Prepper serves its own metrics). */
  statusPage?: { host: string; port: number };
}

/** The engine a run copies with. */
export type EngineChoice = NativeChoice | DataPrepperChoice;

/**
 * Refuses flags the chosen engine does not take, before any cluster is read: `--metrics-port`
 * on Data Prepper's own port, `--pipelines` with the native engine, and `--part`
 * with Data Prepper (no journal to continue a part from) or with `--tune-target` (each part
 * would record the settings another part tuned as those to restore).
 */
export function checkEngineFlags(flags: {
  engine: "native" | "dataprepper";
  home?: string;
  port: number;
  metricsPort?: number;
  pipelines: number;
  part?: RunPart;
  tuneTarget: TargetTuning;
}): void {
  if (flags.engine === "dataprepper") {
    if (flags.part) {
      throw new BadInputError(
        "--part is for the native engine; Data Prepper nodes share a migration through " +
          "`fetch-migration plan --split N --out DIR`",
        "add --engine native, or split the plan for Data Prepper (docs/scale-out.md)",
      );
    }
    if (flags.home === undefined) {
      throw new BadInputError(
        "--engine dataprepper needs the Data Prepper directory",
        "use the original form: fetch-migration run <data-prepper-dir> <pipeline.yaml> [port]",
      );
    }
    if (flags.metricsPort === flags.port) {
      throw new BadInputError(
        `--metrics-port ${flags.metricsPort} is Data Prepper's own port: with Data Prepper it ` +
          "serves only the status page, beside Data Prepper's metrics",
        "pick another --metrics-port",
      );
    }
    return;
  }
  if (flags.part && flags.tuneTarget === "all") {
    throw new BadInputError(
      "--tune-target cannot go with --part: each part would record the settings another part " +
        "tuned as the ones to restore",
      "leave it out; set refresh_interval and replicas on the target before the parts start " +
        "and after they are all done",
    );
  }
  if (flags.pipelines > 1) {
    throw new BadInputError(
      "--pipelines is for Data Prepper; the native engine spreads its reads with --slices",
      "leave it out, or raise --slices",
    );
  }
}

/** Builds the engine of one pipeline's run, with that pipeline's dead-letter file. */
export function buildEngine(
  choice: EngineChoice,
  clusters: ClusterPair,
  endpoints: MigrationEndpoints,
  pipelineName: string,
  deadLetterPath: string,
): Engine {
  if (choice.kind === "dataprepper") {
    return new DataPrepperEngine(clusters.source, {
      home: choice.home,
      port: choice.port,
      pipeline: writerPipelineOf(endpoints, pipelineName),
      pipelines: choice.pipelines,
      pollIntervalMs: choice.pollIntervalSeconds * 1000,
      idlePolls: choice.idlePolls,
    });
  }
  return new NativeEngine(clusters.source, clusters.target, {
    ...choice.copy,
    tuneTarget: choice.tuneTarget,
    deadLetterPath,
    part: choice.part,
    dataStreamsRefused: choice.dataStreamsRefused,
  });
}
