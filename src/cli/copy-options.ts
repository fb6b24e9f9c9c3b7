/** The copy-tuning flags of the commands that copy documents (`run`, `sync`), registered once. */
import { type Command, Option } from "../deps.ts";
import { type CopyTuning, DEFAULT_COPY_TUNING } from "../migrate/copy-options.ts";
import { inGroup } from "./help.ts";
import { byteSize, byteSizeText, positiveInteger } from "./option-parsers.ts";

/** The copy flags as commander hands them over. */
export type CopyOptionValues = CopyTuning;

/**
 * Adds `--slices`, `--concurrency`, `--batch-bytes`, `--page-size`, `--max-attempts` (and the
 * rate cap) under `heading`, defaults shown as typed (`5mb`, not the bytes they stand for).
 */
export function addCopyOptions(
  command: Command,
  heading: string,
  { rateCap = true } = {},
): Command {
  const defaults = DEFAULT_COPY_TUNING;
  return inGroup(command, heading, () => {
    command
      .option(
        "--slices <n>",
        "slices per index, read in parallel",
        positiveInteger,
        defaults.slices,
      )
      .option(
        "--concurrency <n>",
        "bulk requests in flight at most",
        positiveInteger,
        defaults.concurrency,
      )
      .addOption(
        new Option("--batch-bytes <size>", "max bulk request size, e.g. 512kb")
          .argParser(byteSize)
          .default(defaults.batchBytes, byteSizeText(defaults.batchBytes)),
      )
      .option("--page-size <n>", "documents per source page", positiveInteger, defaults.pageSize);
    if (rateCap) command.option("--max-docs-per-second <n>", "cap the copy rate", positiveInteger);
    command.option(
      "--max-attempts <n>",
      "attempts per document the target pushes back on, before the dead-letter file",
      positiveInteger,
      defaults.maxAttempts,
    );
  });
}

/** The copy tuning of the parsed flags: a new value, the flags' object left as it is. */
export function copyTuningOf(values: Partial<CopyOptionValues>): CopyTuning {
  return {
    slices: values.slices ?? DEFAULT_COPY_TUNING.slices,
    concurrency: values.concurrency ?? DEFAULT_COPY_TUNING.concurrency,
    batchBytes: values.batchBytes ?? DEFAULT_COPY_TUNING.batchBytes,
    pageSize: values.pageSize ?? DEFAULT_COPY_TUNING.pageSize,
    maxAttempts: values.maxAttempts ?? DEFAULT_COPY_TUNING.maxAttempts,
    ...(values.maxDocsPerSecond === undefined ? {} : { maxDocsPerSecond: values.maxDocsPerSecond }),
  };
}
