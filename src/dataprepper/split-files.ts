/**
 * `plan --split N --out DIR` on disk: the output directory checked before any cluster is read
 * (new, empty, or holding only an earlier split's files), then the split's files written there
 * (mode 0600: they hold the credentials) and an earlier split's others removed.
 */
import type { ClusterInfo } from "../cluster/version.ts";
import { FLAGS_PIPELINE_NAME, type MigrationEndpoints } from "../config/types.ts";
import { BadInputError, FetchMigrationError, messageOf } from "../errors.ts";
import { writePrivateFile } from "../fs.ts";
import { writerPipelineOf } from "./pipeline-writer.ts";
import {
  checkSplitDirectory,
  type DirectoryEntry,
  isOurPipelineFile,
  type Split,
  SPLIT_FILE,
  splitPipelineFiles,
} from "./split.ts";

/** The output directory, absolute, with the files of an earlier split in it. */
export interface SplitDirectory {
  path: string;
  earlier: string[];
}

/** Checks `--out`: see {@link checkSplitDirectory}. Changes nothing. */
export async function readSplitDirectory(out: string): Promise<SplitDirectory> {
  const path = (out.startsWith("/") ? out : `${Deno.cwd()}/${out}`).replace(/(.)\/+$/, "$1");
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

/** Writes the split of `indices` (each with its documents) into the directory; returns it. */
export async function writeSplitFiles(
  endpoints: MigrationEndpoints,
  source: ClusterInfo,
  indices: Record<string, number>,
  count: number,
  directory: SplitDirectory,
): Promise<Split> {
  const split = splitPipelineFiles({
    ...writerPipelineOf(endpoints, endpoints.pipelineName ?? FLAGS_PIPELINE_NAME),
    indices,
    source,
    directory: directory.path,
    count,
  });
  try {
    await Deno.mkdir(directory.path, { recursive: true, mode: 0o700 });
    for (const { file, text } of split.files) {
      await writePrivateFile(`${directory.path}/${file}`, text, {
        prefix: ".split-",
        suffix: ".tmp",
      });
    }
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
  return split;
}
