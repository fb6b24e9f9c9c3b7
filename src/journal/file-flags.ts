/**
 * Checks of the files a flag names (`--journal`, `--dead-letter`), made before a command reads
 * or changes a cluster: a directory, a device or a file of something else is refused (bad input,
 * exit 2) and left exactly as it is, never read as a journal, appended to or deleted.
 */
import { BadInputError } from "../errors.ts";

/** What a path holds, as far as these checks care. */
export type PathState =
  | { kind: "missing" }
  /** A regular file, with its first bytes (up to 4 KiB) as text. */
  | { kind: "file"; head: string }
  | { kind: "directory" }
  /** A pipe, a socket, a device. */
  | { kind: "other" };

/** Reads what `path` holds; a path that cannot even be looked at is refused, naming `flag`. */
export async function pathState(flag: string, path: string): Promise<PathState> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "missing" };
    throw new BadInputError(
      `cannot look at ${flag} ${path}: ${(error as Error).message}`,
      "check the path and that this user may read it",
    );
  }
  if (info.isDirectory) return { kind: "directory" };
  if (!info.isFile) return { kind: "other" };
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const buffer = new Uint8Array(4096);
    const read = await file.read(buffer);
    return { kind: "file", head: new TextDecoder().decode(buffer.subarray(0, read ?? 0)) };
  } catch (error) {
    throw new BadInputError(
      `cannot read ${flag} ${path}: ${(error as Error).message}`,
      "check that this user may read and write it",
    );
  } finally {
    file?.close();
  }
}

/**
 * Refuses a `--journal` that cannot be one. `continue` (run): a new path, or a journal an
 * earlier run wrote, which it continues or archives; `create` (metadata): a new path only;
 * `read` (rollback, verify): a journal that exists.
 */
export function checkJournalFlag(
  path: string,
  state: PathState,
  mode: "continue" | "create" | "read",
): void {
  const hint = mode === "create"
    ? "pass a path that does not exist yet: metadata starts a new journal each time " +
      "(rollback --journal takes an existing one)"
    : mode === "read"
    ? "pass the journal a metadata or run command wrote (it prints its path as `journal: ...`)"
    : "pass a new path, or the journal an earlier run of this command wrote";
  if (mode === "read" && state.kind === "missing") {
    throw new BadInputError(`--journal ${path} does not exist`, hint);
  }
  notAFile("--journal", path, state, hint);
  if (state.kind !== "file") return;
  if (mode === "create") {
    throw new BadInputError(`--journal ${path} exists already; it was left as it is`, hint);
  }
  if (state.head.trim() === "") {
    throw new BadInputError(
      `--journal ${path} is an empty file, not a journal; it was left as it is`,
      `${hint} (remove the empty file to use its path)`,
    );
  }
  if (!state.head.trimStart().startsWith("{")) {
    throw new BadInputError(
      `--journal ${path} is not a Fetch Migration journal (it holds other text); it was left as ` +
        "it is",
      hint,
    );
  }
}

/**
 * Refuses a `--dead-letter` that is not a dead-letter file: the run appends to it, replays it
 * and, with `--restart`, deletes it. New, empty, or lines this tool wrote.
 */
export function checkDeadLetterFlag(path: string, state: PathState): void {
  const hint = "pass a new path, or the dead-letter file an earlier run of this command wrote";
  notAFile("--dead-letter", path, state, hint);
  if (state.kind !== "file" || state.head.trim() === "") return;
  const first = state.head.trimStart().split("\n")[0];
  if (!isDeadLetterLine(first)) {
    throw new BadInputError(
      `--dead-letter ${path} is not a dead-letter file (its first line is not a refused ` +
        "document this tool wrote); it was left as it is",
      hint,
    );
  }
}

/**
 * Whether a line is a dead-letter record (`{"index":...,"id":...}`); one cut short by the 4 KiB
 * read (a large document) is recognised by the way this tool starts every record.
 */
export function isDeadLetterLine(line: string): boolean {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    return typeof record === "object" && record !== null && typeof record.index === "string" &&
      typeof record.id === "string";
  } catch {
    return /^\{"index":"(?:[^"\\]|\\.)*","id":/.test(line);
  }
}

function notAFile(flag: string, path: string, state: PathState, hint: string): void {
  if (state.kind === "directory") {
    throw new BadInputError(`${flag} ${path} is a directory, not a file`, hint);
  }
  if (state.kind === "other") {
    throw new BadInputError(`${flag} ${path} is not a regular file; it was left as it is`, hint);
  }
}
