import { type Command, Option } from "../deps.ts";
import { positiveNumber } from "./option-parsers.ts";
import { type EndpointChoice, loadAllEndpoints, loadEndpoints } from "../config/load.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { DEFAULT_TIMEOUT_MS } from "../cluster/client.ts";
import { DEFAULT_RETRY, retryBudgetMs } from "../cluster/retry.ts";

/** Options every cluster-facing command accepts, as commander hands them over. */
export type EndpointOptionValues = EndpointChoice;

/**
 * Adds the endpoint options shared by every command that talks to clusters: either a Data
 * Prepper pipeline file, or `--source/--target` with auth and TLS flags. There is deliberately no
 * password flag: secrets come from the pipeline file, environment variables or files.
 */
export function addEndpointOptions(command: Command): Command {
  return command
    .option("--pipeline <file>", "Data Prepper pipeline YAML naming source and target")
    .option(
      "--pipeline-name <name>",
      "the pipeline to use of a pipeline file holding several (run migrates them all without it)",
    )
    .option("--source <url>", "source cluster URL, e.g. http://127.0.0.1:9200")
    .option("--target <url>", "target OpenSearch URL")
    .option("--source-user <name>", "source user (or FETCH_MIGRATION_SOURCE_USER)")
    .option("--target-user <name>", "target user (or FETCH_MIGRATION_TARGET_USER)")
    .option(
      "--source-password-file <file>",
      "file holding the source password (or FETCH_MIGRATION_SOURCE_PASSWORD)",
    )
    .option(
      "--target-password-file <file>",
      "file holding the target password (or FETCH_MIGRATION_TARGET_PASSWORD)",
    )
    .option(
      "--source-api-key-file <file>",
      "file holding the source API key (or FETCH_MIGRATION_SOURCE_API_KEY)",
    )
    .option(
      "--target-api-key-file <file>",
      "file holding the target API key (or FETCH_MIGRATION_TARGET_API_KEY)",
    )
    .option("--source-aws-region <region>", "sign source requests with AWS SigV4 in this region")
    .option("--target-aws-region <region>", "sign target requests with AWS SigV4 in this region")
    .addOption(
      new Option("--source-aws-service <service>", "SigV4 service of the source")
        .choices(["es", "aoss"]),
    )
    .addOption(
      new Option("--target-aws-service <service>", "SigV4 service of the target")
        .choices(["es", "aoss"]),
    )
    .option("--source-ca <file>", "PEM file of a CA to trust for the source")
    .option("--target-ca <file>", "PEM file of a CA to trust for the target")
    .option("--source-client-cert <file>", "PEM client certificate to present to the source")
    .option(
      "--source-client-key <file>",
      "its PEM key (encrypted: passphrase in FETCH_MIGRATION_SOURCE_CLIENT_KEY_PASSPHRASE)",
    )
    .option("--target-client-cert <file>", "PEM client certificate to present to the target")
    .option(
      "--target-client-key <file>",
      "its PEM key (encrypted: passphrase in FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE)",
    )
    .option("--insecure", "skip TLS certificate verification on both clusters")
    .option("--source-insecure", "skip TLS certificate verification on the source")
    .option("--target-insecure", "skip TLS certificate verification on the target")
    .option("--timeout <seconds>", timeoutHelp(), positiveNumber);
}

/** `--timeout`'s help: what one attempt waits, and what the retries make of it in all. */
function timeoutHelp(): string {
  const { maxAttempts } = DEFAULT_RETRY;
  const waits = (retryBudgetMs(0) / 1000).toFixed(2).replace(/\.?0+$/, "");
  const whole = Math.round(retryBudgetMs(DEFAULT_TIMEOUT_MS) / 1000);
  return `seconds to wait for each answer (default ${DEFAULT_TIMEOUT_MS / 1000}); a read that ` +
    `gets none is sent ${maxAttempts} times, so a silent host fails after up to ` +
    `${maxAttempts} × SECONDS + ${waits} s (${Math.floor(whole / 60)}m${
      String(whole % 60).padStart(2, "0")
    }s at the default)`;
}

/** Turns parsed option values into validated endpoints (exit code 2 on bad input). */
export function resolveEndpoints(values: EndpointOptionValues): Promise<MigrationEndpoints> {
  return loadEndpoints(values, Deno.env.toObject());
}

/**
 * The endpoints of every pipeline of the file (or of the one `--pipeline-name` picks), or the
 * one pair of the flags (exit code 2 on bad input).
 */
export function resolveAllEndpoints(values: EndpointOptionValues): Promise<MigrationEndpoints[]> {
  return loadAllEndpoints(values, Deno.env.toObject());
}

/**
 * Adds the flags that accept a pair `metadata`, `run` and `sync` refuse by default: an
 * Elasticsearch target, or a target older than the source.
 */
export function addPairOptions(command: Command): Command {
  return command
    .option(
      "--allow-elasticsearch-target",
      "accept an Elasticsearch cluster as the target (the rules adapt for OpenSearch)",
    )
    .option(
      "--allow-older-target",
      "accept a target running an older release than the source (OpenSearch 2 into 1...)",
    );
}
