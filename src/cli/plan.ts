import type { Command } from "../deps.ts";
import { FLAGS_PIPELINE_NAME } from "../backfill/metrics-text.ts";
import { formatCount } from "../backfill/progress.ts";
import type { ClusterPair } from "../cluster/pair.ts";
import { decodeInlinePipeline } from "../config/load.ts";
import type { EndpointConfig, MigrationEndpoints } from "../config/types.ts";
import {
  checkSplitDirectory,
  type DirectoryEntry,
  isOurPipelineFile,
  type Split,
  SPLIT_FILE,
  splitPipelineFiles,
} from "../dataprepper/split.ts";
import { BadInputError, FetchMigrationError, messageOf } from "../errors.ts";
import { migratingIndices } from "../metadata/plan.ts";
import { formatPlanText, planToJson } from "../metadata/report.ts";
import { readPlan } from "../metadata/read-plan.ts";
import { isOlderTarget } from "../cluster/version.ts";
import { olderTargetHint, olderTargetMessage } from "../migrate/checks.ts";
import type { MigrationPlan } from "../metadata/types.ts";
import { openClusters } from "../cluster/pair.ts";
import { plural } from "../text.ts";
import {
  addEndpointOptions,
  type EndpointOptionValues,
  resolveEndpoints,
} from "./endpoint-options.ts";
import { positiveInteger } from "./option-parsers.ts";
import { isVerbose, printHuman, printJson, printSummary } from "./output.ts";
import {
  addSelectionOptions,
  planOptions,
  type SelectionOptionValues,
} from "./selection-options.ts";

type PlanOptionValues = EndpointOptionValues & SelectionOptionValues & {
  json?: boolean;
  split?: number;
  out?: string;
};

/** Registers `plan`: compare source and target and print the report; changes nothing. */
export function registerPlan(program: Command): void {
  addSelectionOptions(addEndpointOptions(
    program
      .command("plan")
      .description(
        "compare source and target and print what a migration would do; changes nothing on " +
          "either cluster. With --split N --out DIR: write N Data Prepper pipeline files, one " +
          "per Data Prepper node, that copy disjoint sets of the plan's indices balanced by size",
      )
      .option(
        "--split <n>",
        "write DIR/pipeline-1.yaml ... DIR/pipeline-N.yaml (with --out), each one pipeline " +
          "copying its share of the indices (at most one file per index)",
        positiveInteger,
      )
      .option(
        "--out <dir>",
        "directory for the --split files and their dead-letter files: new, empty, or holding " +
          "only an earlier split's pipeline files (replaced)",
      )
      .option("--json", "print the plan (with --split: the files) as JSON on stdout"),
  )).action(async (options: PlanOptionValues) => {
    if ((options.split === undefined) !== (options.out === undefined)) {
      throw new BadInputError(
        options.split === undefined
          ? "--out DIR names where --split N writes its files, and --split is missing"
          : "--split N writes files, and --out DIR, where to write them, is missing",
        "give both, e.g. --split 3 --out ./pipelines",
      );
    }
    // Checked before the clusters are read: a directory that cannot take the files fails fast.
    const split = options.out === undefined ? undefined : await splitDirectory(options.out);
    const endpoints = await resolveEndpoints(options);
    using clusters = openClusters(endpoints);
    const plan = await readPlan(clusters, planOptions(options, endpoints));
    await warnOlderTarget(clusters);
    if (split) {
      await writeSplit(clusters, endpoints, plan, options.split!, split, !!options.json);
    } else if (options.json) printJson(planToJson(plan));
    // The default report; -q leaves it out (--json is the quiet way to get the plan).
    else printSummary(formatPlanText(plan, { all: isVerbose() }));
  });
}

/** Says so when the target is older than the source: metadata and run refuse such a pair. */
async function warnOlderTarget(clusters: ClusterPair): Promise<void> {
  const info = { source: await clusters.source.info(), target: await clusters.target.info() };
  if (!isOlderTarget(info.source, info.target)) return;
  const urls = { source: clusters.source.url, target: clusters.target.url };
  printHuman(
    `warning: ${
      olderTargetMessage(urls, info)
    }; metadata and run refuse this pair (${olderTargetHint()})`,
  );
}

/** The output directory, absolute, with the files of an earlier split in it. */
interface SplitDirectory {
  path: string;
  earlier: string[];
}

/** Checks `--out`: see {@link checkSplitDirectory}. */
async function splitDirectory(out: string): Promise<SplitDirectory> {
  const path = absolute(out).replace(/(.)\/+$/, "$1");
  const entries: DirectoryEntry[] = [];
  try {
    for await (const entry of Deno.readDir(path)) {
      const named = entry.isFile && SPLIT_FILE.test(entry.name);
      const ours = named
        ? isOurPipelineFile(await Deno.readTextFile(`${path}/${entry.name}`).catch(() => ""))
        : undefined;
      entries.push({ name: entry.name, isFile: entry.isFile, ...(named ? { ours } : {}) });
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { path, earlier: [] };
    if (error instanceof Deno.errors.NotADirectory) {
      throw new BadInputError(`--out ${out} is a file, not a directory`, "give a directory");
    }
    throw new BadInputError(`cannot read --out ${out}: ${messageOf(error)}`);
  }
  return { path, earlier: checkSplitDirectory(path, entries) };
}

/** Writes the split's files, removes an earlier split's others, and says what each holds. */
async function writeSplit(
  clusters: ClusterPair,
  endpoints: MigrationEndpoints,
  plan: MigrationPlan,
  count: number,
  directory: SplitDirectory,
  json: boolean,
): Promise<void> {
  const indices = Object.fromEntries(
    migratingIndices(plan).map((name) => [name, plan.documents.per_index[name] ?? 0]),
  );
  const split = splitPipelineFiles({
    ...await writerSource(endpoints),
    pipelineName: endpoints.pipelineName ?? FLAGS_PIPELINE_NAME,
    indices,
    source: await clusters.source.info(),
    directory: directory.path,
    count,
  });
  try {
    await Deno.mkdir(directory.path, { recursive: true, mode: 0o700 });
    for (const { file, text } of split.files) await writePrivate(`${directory.path}/${file}`, text);
    const written = new Set(split.files.map(({ file }) => file));
    for (const name of directory.earlier.filter((name) => !written.has(name))) {
      await Deno.remove(`${directory.path}/${name}`);
    }
  } catch (error) {
    throw new FetchMigrationError(
      "incomplete",
      `cannot write the pipeline files into ${directory.path}: ${messageOf(error)}`,
      "fix the cause (disk space, permissions) and run the same command again",
    );
  }
  if (json) printJson(splitJson(directory.path, split));
  report(directory.path, split, plan);
}

/** The user's pipeline (its keys and comments kept) or, from flags, the endpoints. */
async function writerSource(endpoints: MigrationEndpoints) {
  const { origin } = endpoints;
  if (origin === "flags") {
    // Data Prepper reads a CA file from its own working directory: the path must be absolute.
    const withAbsoluteCa = (endpoint: EndpointConfig): EndpointConfig => {
      const path = endpoint.tls.caSource;
      if (path === undefined || path.startsWith("/") || path.endsWith("(inline certificate)")) {
        return endpoint;
      }
      return { ...endpoint, tls: { ...endpoint.tls, caSource: absolute(path) } };
    };
    return {
      endpoints: {
        source: withAbsoluteCa(endpoints.source),
        target: withAbsoluteCa(endpoints.target),
      },
    };
  }
  const text = origin === "INLINE_PIPELINE"
    ? decodeInlinePipeline(Deno.env.get("INLINE_PIPELINE") ?? "")
    : await Deno.readTextFile(origin);
  return { original: { text, origin, pipeline: endpoints.pipelineName } };
}

/** Through a temporary file made 0600 before any byte is written, renamed into place. */
async function writePrivate(path: string, text: string): Promise<void> {
  const directory = path.slice(0, path.lastIndexOf("/"));
  const temporary = await Deno.makeTempFile({ dir: directory, prefix: ".split-", suffix: ".tmp" });
  try {
    await Deno.chmod(temporary, 0o600);
    await Deno.writeTextFile(temporary, text);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

function splitJson(directory: string, split: Split): Record<string, unknown> {
  return {
    directory,
    files: split.files.map(({ file, pipeline }) => ({
      path: `${directory}/${file}`,
      pipeline: pipeline.name,
      indices: pipeline.indices,
      documents: pipeline.documents,
      dlq_file: pipeline.dlqFile,
    })),
    documents: split.files.reduce((sum, { pipeline }) => sum + pipeline.documents, 0),
    ...(split.note ? { note: split.note } : {}),
  };
}

/** What each file holds, what the split leaves out, and what to run next. */
function report(directory: string, split: Split, plan: MigrationPlan): void {
  if (split.note) printHuman(`note: ${split.note}`);
  let total = 0;
  for (const { file, pipeline } of split.files) {
    total += pipeline.documents;
    printHuman(
      `${directory}/${file}: pipeline ${pipeline.name}, ` +
        `${plural(pipeline.indices.length, "index")}, ${formatCount(pipeline.documents)} ` +
        `documents: ${pipeline.indices.join(", ")}`,
    );
  }
  const templates = Object.values(plan.templates).flatMap((buckets) => buckets.create).length;
  const toCreate = plan.indices.create.length + templates;
  if (toCreate > 0) {
    printHuman(
      `${plural(plan.indices.create.length, "index")}` +
        (templates > 0 ? ` and ${plural(templates, "template")}` : "") +
        ` of the plan ${toCreate === 1 ? "is" : "are"} not on the target yet: create them ` +
        "first, with `fetch-migration run --createonly` and the same endpoints and selection " +
        "(Data Prepper would create indices with mappings guessed from the documents)",
    );
  }
  const partial = plan.indices.partially_filled.map(({ name }) => name);
  if (partial.length > 0) {
    printHuman(
      `left out, partially filled on the target: ${partial.join(", ")} (\`fetch-migration ` +
        "run\` continues or, with --restart, copies them again)",
    );
  }
  const unmigratable = [
    ...plan.indices.conflicting,
    ...plan.indices.unsupported,
    ...plan.indices.unhealthy,
  ].map(({ name }) => name);
  if (unmigratable.length > 0) {
    printHuman(`left out, cannot be migrated as they are: ${unmigratable.join(", ")}`);
  }
  const urls = split.files.map((_, i) => `http://NODE-${i + 1}:4900`).join(" ");
  printSummary(
    `${plural(split.files.length, "file")} (mode 0600: they hold the credentials), ` +
      `${formatCount(total)} documents in all. Run one Data Prepper node per file (in its ` +
      `pipelines/ directory; ${directory} must exist there for the dead-letter files), then ` +
      `watch them all: fetch-migration monitor ${urls} ${total}`,
  );
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
