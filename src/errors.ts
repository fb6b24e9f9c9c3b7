/**
 * The kinds of failure every layer reports, and nothing else: this module imports nothing, so
 * any module may raise them. `src/main.ts` alone turns a kind into an exit code.
 */

/**
 * Why a command did not do everything it was asked:
 * - `bad-input`: the command line, a file or the environment is wrong; nothing was changed;
 * - `unreachable`: a cluster could not be reached, trusted or logged in to;
 * - `refused`: a cluster answered "no" to what the migration asked of it;
 * - `interrupted`: the operator stopped it (SIGINT, SIGTERM, `/shutdown`); it can be continued;
 * - `incomplete`: it ran to its end, but something selected did not arrive or differs.
 */
export type ErrorKind = "bad-input" | "unreachable" | "refused" | "interrupted" | "incomplete";

/**
 * An error that explains itself to an operator: `message` says what happened (naming the host,
 * the index, the file), `hint` what to do about it.
 */
export class FetchMigrationError extends Error {
  constructor(
    readonly errorKind: ErrorKind,
    message: string,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: a malformed file, a missing key, a conflicting flag; nothing was changed. */
export class BadInputError extends FetchMigrationError {
  constructor(message: string, hint?: string) {
    super("bad-input", message, hint);
  }
}

/** The message of anything thrown, for wrapping it into a sentence. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
