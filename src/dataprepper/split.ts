/**
 * `plan --split N --out DIR`: the plan's indices spread over N Data Prepper pipeline files, one
 * per Data Prepper node, with disjoint index sets balanced by document count
 * ({@link splitBySize}); each file holds one pipeline, `<name>-<i>`, with its own dead-letter
 * file in DIR. Pure: the CLI reads the directory, writes the files and prints the summary.
 */
import { BadInputError } from "../errors.ts";
import {
  type PipelineWriterInput,
  splitBySize,
  writePipelineYaml,
  type WrittenPipeline,
} from "./pipeline-writer.ts";

/** What a split is written from: the pipeline writer's input, but one pipeline per file. */
export type SplitInput = Omit<PipelineWriterInput, "pipelines" | "dlqPath"> & {
  /** The output directory, absolute: Data Prepper resolves relative paths from its own. */
  directory: string;
  /** Files asked for (`--split N`). */
  count: number;
};

/** One file of a split. */
export interface SplitFile {
  /** Its name in the directory: `pipeline-<i>.yaml`. */
  file: string;
  /** Its text (it holds credentials: written mode 0600). */
  text: string;
  /** What its one pipeline copies. */
  pipeline: WrittenPipeline;
}

/** The files of a split, and why there are fewer than asked, if there are. */
export interface Split {
  files: SplitFile[];
  /** Set when N was capped at the number of indices. */
  note?: string;
}

/** Names of the files a split writes, and of those of earlier splits it may replace. */
export const SPLIT_FILE = /^pipeline-(\d+)\.yaml$/;

/** The first line of every pipeline file we write (see writePipelineYaml). */
const OUR_HEADER = "# Data Prepper pipeline written by fetch-migration";

/** Whether a file's text is a pipeline file we wrote. */
export function isOurPipelineFile(text: string): boolean {
  return text.startsWith(OUR_HEADER);
}

/** Writes the texts of the split's files; see the module comment. */
export function splitPipelineFiles(input: SplitInput): Split {
  if (!input.directory.startsWith("/")) {
    throw new Error(`splitPipelineFiles: ${input.directory} is not absolute`);
  }
  const lists = splitBySize(input.indices, input.count);
  if (lists.length === 0) {
    throw new BadInputError(
      "nothing to split: the plan copies no index (every selected index is on the target " +
        "already, or none is selected)",
      "check the selection with `fetch-migration plan`",
    );
  }
  const directory = input.directory.replace(/\/+$/, "");
  const files = lists.map((indices, i): SplitFile => {
    const { directory: _, count: __, ...writer } = input;
    const written = writePipelineYaml({
      ...writer,
      indices: Object.fromEntries(indices.map((name) => [name, input.indices[name] ?? 0])),
      pipelineName: `${input.pipelineName}-${i + 1}`,
      dlqPath: `${directory}/dlq-${i + 1}.ndjson`,
      pipelines: 1,
    });
    return { file: `pipeline-${i + 1}.yaml`, text: written.text, pipeline: written.pipelines[0] };
  });
  const note = lists.length < input.count
    ? `--split ${input.count} capped at ${lists.length}: there ${
      lists.length === 1 ? "is 1 index" : `are ${lists.length} indices`
    } to copy, and a pipeline copies whole indices`
    : undefined;
  return { files, ...(note ? { note } : {}) };
}

/** One entry of the output directory, as the CLI read it. */
export interface DirectoryEntry {
  name: string;
  isFile: boolean;
  /** For files named like a split's: whether we wrote it (see {@link isOurPipelineFile}). */
  ours?: boolean;
}

/**
 * Whether a split may be written into a directory holding `entries`: empty, or holding only
 * pipeline files of an earlier split of ours. Returns those files (the new split overwrites
 * them, and removes any it does not, so no stale pipeline is run); anything else is refused,
 * named.
 */
export function checkSplitDirectory(
  directory: string,
  entries: readonly DirectoryEntry[],
): string[] {
  const foreign = entries.filter((entry) =>
    !(entry.isFile && SPLIT_FILE.test(entry.name) && entry.ours)
  );
  if (foreign.length > 0) {
    const names = foreign.map(({ name }) => name).sort();
    const letters = names.filter((name) => /^dlq-\d+\.ndjson$/.test(name));
    throw new BadInputError(
      `${directory} holds ${names.length === 1 ? "a file" : "files"} other than pipeline files ` +
        `an earlier split wrote: ${names.slice(0, 5).join(", ")}` +
        (names.length > 5 ? `, ... (${names.length} in all)` : "") +
        (letters.length > 0
          ? `; ${letters.join(", ")} ${
            letters.length === 1 ? "holds" : "hold"
          } documents a target refused`
          : ""),
      "give --out a new or empty directory, or move those files out of it" +
        (letters.length > 0 ? " once the refused documents are dealt with" : ""),
    );
  }
  return entries.map(({ name }) => name).sort();
}
