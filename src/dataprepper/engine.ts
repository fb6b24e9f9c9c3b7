/**
 * Data Prepper as an engine of the run flow: writes its pipeline (the migrating indices only)
 * and server config into its home, starts it, watches its metrics until the copy is complete,
 * idle or failing, and stops it. Data Prepper keeps no position we can continue from, so the
 * engine is not resumable: a failed copy is rolled back by the run flow unless asked not to.
 */
import type { ClusterClient } from "../cluster/client.ts";
import { BadInputError, FetchMigrationError } from "../errors.ts";
import type { Journal } from "../journal/journal.ts";
import type { CopyControl, CopyOutcome, Engine, ResumePoint } from "../migrate/engine.ts";
import { plural } from "../text.ts";
import { dataPrepperConfigYaml } from "./config-writer.ts";
import { watch } from "./monitor.ts";
import {
  type PipelineWriterInput,
  searchContextFor,
  writePipelineYaml,
} from "./pipeline-writer.ts";
import type { ProgressModel } from "./progress.ts";
import { DataPrepperProcess, DEFAULT_STOP, launcherOf, type StopTimings } from "./supervisor.ts";

/** How the engine runs Data Prepper. */
export interface DataPrepperOptions {
  home: string;
  /** Data Prepper's `serverPort`, where its metrics and `/shutdown` are served. */
  port: number;
  /** What the pipeline is written from: the user's pipeline, or the endpoints of the flags. */
  pipeline: Pick<PipelineWriterInput, "original" | "endpoints" | "pipelineName">;
  /** Pipelines the indices are split into (`--pipelines K`). */
  pipelines: number;
  pollIntervalMs: number;
  /** Polls without change before the copy counts as stuck. */
  idlePolls: number;
  stopTimings?: StopTimings;
}

/** The pipeline file this engine owns in a home's `pipelines/`. */
export const PIPELINE_FILE = "fetch-migration.yaml";

/** Copies with Data Prepper, watched through its Prometheus metrics. */
export class DataPrepperEngine implements Engine {
  readonly name = "dataprepper";
  readonly resumable = false;
  readonly dataStreamsRefused = {
    why: "the Data Prepper engine does not write data streams generation by generation yet " +
      "(its sink would put every document into the stream's newest backing index)",
    hint: "--exclude the streams here, and copy them with --engine native (--include <stream>)",
  };
  #documents: Record<string, number> = {};

  constructor(readonly source: ClusterClient, readonly options: DataPrepperOptions) {}

  /** Refuses, before anything is created, a source Data Prepper cannot read or a wrong home. */
  async preflight(): Promise<void> {
    searchContextFor(await this.source.info());
    await launcherOf(this.options.home);
    await this.#otherPipelineFiles();
  }

  prepare(_journal: Journal, documents: Record<string, number>): Promise<void> {
    this.#documents = documents;
    return Promise.resolve();
  }

  indices(): string[] {
    return Object.keys(this.#documents).sort();
  }

  restart(): Promise<void> {
    return Promise.resolve();
  }

  resumePoint(): ResumePoint {
    return { done: 0, total: 0, copied: 0 };
  }

  async copy(journal: Journal, control: CopyControl): Promise<CopyOutcome> {
    const expected = Object.values(this.#documents).reduce((sum, n) => sum + n, 0);
    const started = performance.now();
    if (expected === 0) {
      // As the original tool did: nothing to copy, so Data Prepper is not started at all.
      control.onNote?.("no documents to copy: Data Prepper was not started");
      return {
        copied: 0,
        expected: 0,
        perIndex: {},
        interrupted: false,
        deadLettered: 0,
        deadLetterReasons: {},
        notRestored: [],
        figures: { pipelines: 0 },
      };
    }
    // Data Prepper runs in its home: the dead-letter path must be absolute.
    const journalPath = journal.path.startsWith("/")
      ? journal.path
      : `${Deno.cwd()}/${journal.path}`;
    const dlqPath = journalPath.replace(/\.json$/, "") + ".dlq.ndjson";
    const file = writePipelineYaml({
      ...this.options.pipeline,
      indices: this.#documents,
      source: await this.source.info(),
      dlqPath,
      pipelines: this.options.pipelines,
    });
    await this.#writeFiles(file.text, dataPrepperConfigYaml({ port: this.options.port }));
    const logPath = journal.path.replace(/\.json$/, "") + ".data-prepper.log";
    const process = await DataPrepperProcess.start(this.options.home, logPath);
    const base = `http://127.0.0.1:${this.options.port}`;
    let last: ProgressModel | undefined;
    try {
      for await (
        const model of watch([base], {
          expectedDocuments: expected,
          expectedPartitions: Object.keys(this.#documents).length,
          idlePolls: this.options.idlePolls,
          intervalMs: this.options.pollIntervalMs,
          signal: control.signal,
          exited: () =>
            process.exitCode === undefined ? undefined : `exited with code ${process.exitCode}`,
        })
      ) {
        last = model;
        control.onProgress({
          copied: model.state.copied,
          expected,
          perIndex: {},
        });
      }
    } finally {
      const stopped = await process.stop(base, this.options.stopTimings ?? DEFAULT_STOP);
      control.onNote?.(`Data Prepper stopped (${stopped.by}, exit code ${stopped.code})`);
    }
    const state = last?.state;
    const elapsedSeconds = (performance.now() - started) / 1000;
    const outcome: CopyOutcome = {
      copied: state?.copied ?? 0,
      expected,
      perIndex: {},
      interrupted: control.signal.aborted,
      deadLettered: state?.errors ?? 0,
      ...(state && state.errors > 0 ? { deadLetterFile: dlqPath } : {}),
      deadLetterReasons: state && state.errors > 0 ? { "documentErrors": state.errors } : {},
      notRestored: [],
      figures: {
        pipelines: file.pipelines.length,
        written_this_run: state?.copied ?? 0,
        retried: state?.retries ?? 0,
        elapsed_seconds: elapsedSeconds,
        docs_per_second: elapsedSeconds > 0 ? (state?.copied ?? 0) / elapsedSeconds : 0,
        log: logPath,
      },
    };
    if (outcome.interrupted || state?.kind === "complete") return outcome;
    throw await this.#failure(state?.kind, last, process, logPath);
  }

  /** Refuses pipeline files of others in the home: Data Prepper runs every one it finds. */
  async #otherPipelineFiles(): Promise<void> {
    const home = this.options.home.replace(/\/+$/, "");
    const others: string[] = [];
    try {
      for await (const entry of Deno.readDir(`${home}/pipelines`)) {
        if (/\.ya?ml$/.test(entry.name) && entry.name !== PIPELINE_FILE) others.push(entry.name);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (others.length > 0) {
      throw new BadInputError(
        `${home}/pipelines holds ${plural(others.length, "other pipeline file")} ` +
          `(${others.join(", ")}): Data Prepper would run them too`,
        `move them out of ${home}/pipelines, and run again`,
      );
    }
  }

  /** Writes our pipeline file and the server config into the home. */
  async #writeFiles(pipeline: string, serverConfig: string): Promise<void> {
    const home = this.options.home.replace(/\/+$/, "");
    await this.#otherPipelineFiles();
    await Deno.mkdir(`${home}/pipelines`, { recursive: true });
    await Deno.mkdir(`${home}/config`, { recursive: true });
    // Both hold credentials or say where they are: readable by their owner only.
    await Deno.writeTextFile(`${home}/pipelines/${PIPELINE_FILE}`, pipeline, {
      mode: 0o600,
    });
    await Deno.writeTextFile(`${home}/config/data-prepper-config.yaml`, serverConfig, {
      mode: 0o600,
    });
  }

  async #failure(
    kind: string | undefined,
    model: ProgressModel | undefined,
    process: DataPrepperProcess,
    logPath: string,
  ): Promise<FetchMigrationError> {
    const tail = await process.logTail(15);
    const copied = model
      ? `${model.state.copied.toLocaleString("en-US")} of ` +
        `${model.state.expected.toLocaleString("en-US")} documents arrived`
      : "nothing was read from its metrics";
    const why = kind === "exited"
      ? `Data Prepper exited (code ${process.exitCode}) before the copy was done`
      : kind === "idle"
      ? `Data Prepper made no progress for ${this.options.idlePolls} polls`
      : kind === "failing" && model?.state.kind === "failing"
      ? `Data Prepper is failing: ${model.state.detail}`
      : "Data Prepper stopped before the copy was done";
    return new FetchMigrationError(
      "refused",
      `${why}; ${copied}. Its log is ${logPath}` + (tail ? `; its last lines:\n${tail}` : ""),
      "fix what the log says and run the same command again, or copy with the built-in " +
        "engine (--engine native), which continues after a failure",
    );
  }
}
