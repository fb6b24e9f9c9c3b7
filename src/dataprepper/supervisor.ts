/**
 * Runs a Data Prepper home's `bin/data-prepper` as a child process: its output to a log file
 * (the tail is shown when it fails), and a stop that works on every release: `POST /shutdown`,
 * a wait, SIGTERM, a wait, SIGKILL — Data Prepper does not always exit after `/shutdown`
 * (data-prepper issue #3141).
 */
import { messageOf } from "../errors.ts";
import { pathExists } from "../fs.ts";
import { BadInputError } from "../errors.ts";

/** How long each step of {@link DataPrepperProcess.stop} waits for the process to go. */
export interface StopTimings {
  afterShutdownMs: number;
  afterTermMs: number;
}

/** Data Prepper's own drain can take its 30 s processor timeout; then SIGTERM, then SIGKILL. */
export const DEFAULT_STOP: StopTimings = { afterShutdownMs: 60_000, afterTermMs: 15_000 };

/** The launcher of a Data Prepper home, checked to exist and be executable. */
export async function launcherOf(home: string): Promise<string> {
  const launcher = `${home.replace(/\/+$/, "")}/bin/data-prepper`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(launcher);
  } catch {
    throw new BadInputError(
      `${home} is not a Data Prepper home: ${launcher} does not exist`,
      "give the directory of an unpacked Data Prepper release (it holds bin/, config/, " +
        "pipelines/), or copy with the built-in engine: add --engine native",
    );
  }
  if (!info.isFile || ((info.mode ?? 0o755) & 0o111) === 0) {
    throw new BadInputError(
      `${launcher} is not an executable file`,
      `make it executable (chmod +x ${launcher}) or give another Data Prepper home`,
    );
  }
  // Absolute: the process starts in the home, where a relative path means something else.
  return await Deno.realPath(launcher);
}

/** One running Data Prepper. */
export class DataPrepperProcess {
  #exitCode?: number;

  private constructor(
    readonly home: string,
    readonly logPath: string,
    readonly child: Deno.ChildProcess,
    readonly exited: Promise<number>,
    /** Bytes the log held before this start: earlier starts' lines are not this one's. */
    readonly logOffset = 0,
  ) {
    exited.then((code) => this.#exitCode = code);
  }

  /** Starts `<home>/bin/data-prepper`, its stdout and stderr appended to `logPath`. */
  static async start(home: string, logPath: string): Promise<DataPrepperProcess> {
    const launcher = await launcherOf(home);
    const log = await Deno.open(logPath, { create: true, append: true, mode: 0o600 });
    const logOffset = (await log.stat()).size;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(launcher, {
        cwd: await Deno.realPath(home),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      log.close();
      throw new BadInputError(`cannot start ${launcher}: ${messageOf(error)}`);
    }
    const copied = Promise.all([copyTo(child.stdout, log), copyTo(child.stderr, log)]);
    const exited = child.status.then(async (status) => {
      await copied.catch(() => {});
      log.close();
      return status.code;
    });
    return new DataPrepperProcess(home, logPath, child, exited, logOffset);
  }

  /** The exit code once the process has ended; `undefined` while it runs. */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  /**
   * Stops it: `POST /shutdown` on `serverUrl`, then SIGTERM, then SIGKILL, each after its
   * wait. Returns the exit code and the step that ended it.
   */
  async stop(
    serverUrl: string,
    timings: StopTimings = DEFAULT_STOP,
  ): Promise<{ code: number; by: "itself" | "shutdown" | "SIGTERM" | "SIGKILL" }> {
    if (this.#exitCode !== undefined) return { code: this.#exitCode, by: "itself" };
    await fetch(`${serverUrl}/shutdown`, { method: "POST", signal: AbortSignal.timeout(10_000) })
      .then((response) => response.body?.cancel())
      .catch(() => {});
    if (await this.#exitsWithin(timings.afterShutdownMs)) {
      return { code: this.#exitCode!, by: "shutdown" };
    }
    this.#signal("SIGTERM");
    if (await this.#exitsWithin(timings.afterTermMs)) {
      return { code: this.#exitCode!, by: "SIGTERM" };
    }
    this.#signal("SIGKILL");
    return { code: await this.exited, by: "SIGKILL" };
  }

  /** The last `lines` lines this start wrote to its log, for a failure message. */
  async logTail(lines = 20): Promise<string> {
    if (!(await pathExists(this.logPath))) return "";
    const bytes = await Deno.readFile(this.logPath);
    const text = new TextDecoder().decode(bytes.subarray(this.logOffset));
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  }

  #signal(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  async #exitsWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
    const done = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }
}

async function copyTo(stream: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<void> {
  for await (const chunk of stream) {
    let rest = chunk;
    while (rest.length > 0) rest = rest.subarray(await file.write(rest));
  }
}
