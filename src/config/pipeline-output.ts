/**
 * Writes the pipeline Data Prepper will run: the input file with the source's
 * `indices.include` set to one exact-match regex per migrating index. Every other key and every
 * comment of the input stays as it was.
 *
 * `metadata` checks the output first ({@link preparePipelineOutput}: the directory exists and is
 * writable, the output is not the input) and only then changes the target, so a bad output path
 * fails before anything was created. The file holds credentials: it is written readable by its
 * owner only (0600), whole, and renamed into place.
 */
import { isMap, parseDocument, YAMLSeq } from "../deps.ts";
import { BadInputError, FetchMigrationError, messageOf } from "../errors.ts";
import { writePrivateFile } from "../fs.ts";
import { parsePipelineYaml } from "./pipeline.ts";
import type { MigrationEndpoints } from "./types.ts";

/** Escapes an index name for a Java regex (`Matcher.matches()` anchors it whole). */
export function exactIndexRegex(name: string): string {
  return name.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

/**
 * Returns `text` with `<sourcePath>.indices.include` replaced by `{index_name_regex}` entries for
 * `indices`; `indices.exclude` and all else are left alone. Pure.
 */
export function withIncludedIndices(
  text: string,
  sourcePath: Array<string | number>,
  indices: string[],
): string {
  const document = parseDocument(text);
  const include = new YAMLSeq();
  for (const name of indices) {
    include.add(document.createNode({ index_name_regex: exactIndexRegex(name) }));
  }
  const plugin = document.getIn(sourcePath, true);
  if (!isMap(plugin)) {
    // `opensearch:` with nothing under it parses as null: give it a map to hold the indices.
    document.setIn(sourcePath, document.createNode({}));
  }
  document.setIn([...sourcePath, "indices", "include"], include);
  return document.toString();
}

/** A checked output file and the pipeline text to rewrite into it. */
export interface PipelineOutput {
  /** The output as the user gave it, for messages. */
  path: string;
  /** The file written: the real path of an existing file, else in its directory's real path. */
  destination: string;
  /** The input pipeline's text. */
  text: string;
  /** Where the source plugin sits in the pipeline, e.g. `["p", "source", "opensearch"]`. */
  sourcePath: Array<string | number>;
}

const TEMPORARY = { prefix: ".fetch-migration-", suffix: ".tmp" };

/**
 * Reads the pipeline to rewrite (the file the endpoints came from, or `INLINE_PIPELINE`) and
 * checks that `output` can be written: not a directory, in a directory that exists and this user
 * may write to (a temporary file is created there and removed), and not the input itself.
 * Changes nothing; every problem is a BadInputError naming the file and the fix.
 */
export async function preparePipelineOutput(
  output: string,
  /** Where the endpoints came from; `pipelineName` picks one in a file holding several. */
  { origin, pipelineText: text, pipelineName }: Pick<
    MigrationEndpoints,
    "origin" | "pipelineText" | "pipelineName"
  >,
): Promise<PipelineOutput> {
  if (text === undefined) {
    throw new BadInputError(
      `writing ${output} needs a pipeline to rewrite, and the clusters were given as flags`,
      "pass the pipeline file (or set INLINE_PIPELINE) instead of --source/--target",
    );
  }
  const destination = await outputDestination(output);
  if (origin !== "INLINE_PIPELINE") {
    const input = await Deno.realPath(origin).catch(() => undefined);
    if (input === destination) {
      throw new BadInputError(
        `the output ${output} is the input pipeline ${origin}: writing it would overwrite the ` +
          "pipeline it was made from",
        "give another output file, e.g. output.yaml",
      );
    }
  }
  await checkWritable(output, destination);
  const { source } = parsePipelineYaml(text, origin, pipelineName);
  return { path: output, destination, text, sourcePath: source.nodePath };
}

/**
 * Writes the pipeline restricted to `indices`, mode 0600, through a temporary file renamed into
 * place (a crash leaves the old file or the new one, never half of one).
 */
export async function writePipelineOutput(
  prepared: PipelineOutput,
  indices: string[],
): Promise<void> {
  const content = withIncludedIndices(prepared.text, prepared.sourcePath, indices);
  try {
    // The pipeline holds credentials: readable by its owner only.
    await writePrivateFile(prepared.destination, content, TEMPORARY);
  } catch (error) {
    throw new FetchMigrationError(
      "incomplete",
      `cannot write ${prepared.path}: ${messageOf(error)}`,
      "fix the problem (disk space, permissions) and run the same metadata command again: what " +
        "it created is kept and not created twice",
    );
  }
}

/** The file `output` names, resolved through links; refuses a directory or a missing parent. */
async function outputDestination(output: string): Promise<string> {
  const absolute = output.startsWith("/") ? output : `${Deno.cwd()}/${output}`;
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(absolute);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new BadInputError(
        `cannot use ${output} as the output: ${messageOf(error)}`,
        "give the path of a file in an existing directory, e.g. output.yaml",
      );
    }
  }
  if (info?.isDirectory) {
    throw new BadInputError(
      `the output ${output} is a directory, not a file`,
      `give a file path, e.g. ${output.replace(/\/+$/, "")}/output.yaml`,
    );
  }
  if (info && !info.isFile) {
    // A device, a pipe or a socket: the file is written through a rename, which would replace
    // the node itself (`/dev/null` included) instead of writing into it.
    throw new BadInputError(
      `the output ${output} is not a regular file (a device, a pipe or a socket)`,
      "give the path of a file to write, e.g. output.yaml",
    );
  }
  if (info) return await Deno.realPath(absolute);
  const directory = directoryOf(absolute);
  const shownDirectory = directoryOf(output.startsWith("/") ? output : `./${output}`);
  let parent: Deno.FileInfo;
  try {
    parent = await Deno.stat(directory);
  } catch (error) {
    throw new BadInputError(
      `cannot write ${output}: the directory ${shownDirectory} ${
        error instanceof Deno.errors.NotFound
          ? "does not exist"
          : `cannot be read (${messageOf(error)})`
      }`,
      `create it first (mkdir -p ${shownDirectory}), or give an output in an existing directory`,
    );
  }
  if (!parent.isDirectory) {
    throw new BadInputError(
      `cannot write ${output}: ${shownDirectory} is not a directory`,
      "give an output path inside a directory",
    );
  }
  return `${await Deno.realPath(directory)}/${absolute.slice(absolute.lastIndexOf("/") + 1)}`;
}

/** Creates and removes a temporary file beside the destination; an existing file must be writable. */
async function checkWritable(output: string, destination: string): Promise<void> {
  const directory = directoryOf(destination);
  try {
    const probe = await Deno.makeTempFile({ dir: directory, ...TEMPORARY });
    await Deno.remove(probe);
  } catch (error) {
    throw new BadInputError(
      `cannot write ${output}: this user may not create files in ${directory} (${
        messageOf(error)
      })`,
      "give an output in a directory you may write to, or fix that directory's permissions",
    );
  }
  try {
    (await Deno.open(destination, { write: true })).close();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new BadInputError(
      `cannot write ${output}: the file exists and is not writable (${messageOf(error)})`,
      "give another output file, or make that one writable",
    );
  }
}

function directoryOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at < 0 ? "." : at === 0 ? "/" : path.slice(0, at);
}
