/** Process exit codes, as DESIGN.md defines them. */
export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** The migration or verification failed. */
  Failed: 1,
  /** Bad usage or bad input; nothing was changed. */
  Usage: 2,
  /** A cluster could not be reached or refused the credentials. */
  Unreachable: 3,
} as const;

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/**
 * An error that already knows how to explain itself to an operator and which exit code it means.
 * Commands throw these; `main.ts` prints `message` (and `hint`) and exits with `exitCode`.
 */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: a malformed file, a missing key, a conflicting flag. Exit code 2. */
export class ConfigError extends UserFacingError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Usage, hint);
  }
}
