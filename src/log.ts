import {
  configureLogging,
  getLogger,
  getTextFormatter,
  type Logger,
  type LogRecord,
} from "./deps.ts";

const encoder = new TextEncoder();

let beforeWrite: () => void = () => {};

/**
 * Sets what runs before each log record is written: a live progress line on a terminal clears
 * itself there, so a warning never glues onto it. `undefined` removes the hook.
 */
export function setBeforeLogWrite(hook: (() => void) | undefined): void {
  beforeWrite = hook ?? (() => {});
}

/** Root logging category; modules log under `["fetch-migration", "<module>"]`. */
export const LOG_ROOT = "fetch-migration";

/** A logger for one module, e.g. `logger("cluster")`. */
export function logger(module: string): Logger {
  return getLogger([LOG_ROOT, module]);
}

/**
 * Sends every log record to stderr, synchronously, so log lines never interleave out of order
 * with the human report (also on stderr) and stdout stays clean for `--json`.
 */
export async function setUpLogging(level: "debug" | "info" | "warning"): Promise<void> {
  const format = getTextFormatter({ timestamp: "time", level: "ABBR", category: "." });
  await configureLogging({
    reset: true,
    sinks: {
      stderr: (record: LogRecord) => {
        beforeWrite();
        Deno.stderr.writeSync(encoder.encode(format(record)));
      },
    },
    loggers: [
      { category: [LOG_ROOT], lowestLevel: level, sinks: ["stderr"] },
      // LogTape reports its own problems under this category; keep them visible but quiet.
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
