/**
 * The endpoint flags (a pipeline file, or `--source/--target` with each side's credentials and
 * TLS) and what turns them into endpoints. Split by side so a command registers only the flags it
 * reads: `rollback` works on the target and needs the source only for some of its work.
 */
import { type Command, Option } from "../deps.ts";
import { HELP_GROUPS, inGroup } from "./help.ts";
import { positiveNumber } from "./option-parsers.ts";
import { type EndpointChoice, loadAllEndpoints, loadEndpoints } from "../config/load.ts";
import type { MigrationEndpoints } from "../config/types.ts";
import { DEFAULT_TIMEOUT_MS } from "../cluster/client.ts";
import { DEFAULT_RETRY, retryBudgetMs } from "../cluster/retry.ts";
import { formatElapsed } from "../cluster/errors.ts";

/** Options every cluster-facing command accepts, as commander hands them over. */
export type EndpointOptionValues = EndpointChoice;

/** What the endpoint options say for one command. */
export interface EndpointHelp {
  /** What `--pipeline-name` does for this command (only `run` takes every pipeline without it). */
  pipelineName: string;
  /** Adds `--allow-elasticsearch-target` and `--allow-older-target` (see {@link addPairOptions}). */
  pair?: boolean;
}

/**
 * `--pipeline-name` of a command that works on one pipeline, as all but `run` do: a file of
 * several is refused without it (src/config/pipeline.ts).
 */
export function onePipelineName(command: string): string {
  return `the pipeline ${command} uses when the file holds several (needed then)`;
}

/**
 * Adds the endpoint options of a command that talks to both clusters: either a Data Prepper
 * pipeline file, or `--source/--target` with auth and TLS flags, grouped as endpoints, then each
 * side's credentials and TLS. There is deliberately no password flag: secrets come from the
 * pipeline file, environment variables or files.
 */
export function addEndpointOptions(command: Command, help: EndpointHelp): Command {
  inGroup(command, HELP_GROUPS.endpoints, () => {
    addPipelineOptions(command, help.pipelineName);
    command
      .option("--source <url>", "source cluster URL, e.g. http://127.0.0.1:9200")
      .option("--target <url>", "target OpenSearch URL");
    if (help.pair) addPairOptions(command);
    addConnectionOptions(command, "both clusters");
  });
  addSideOptions(command, "source", HELP_GROUPS.source);
  return addSideOptions(command, "target", HELP_GROUPS.target);
}

/**
 * Adds the endpoint options of a command that works on the target (`rollback`): a pipeline whose
 * sink is the target, or `--target` with its auth and TLS flags. The source's options are apart
 * ({@link addSourceOptions}): such a command needs them only for some of its work.
 */
export function addTargetEndpointOptions(command: Command, help: EndpointHelp): Command {
  inGroup(command, HELP_GROUPS.endpoints, () => {
    addPipelineOptions(command, help.pipelineName);
    command.option("--target <url>", "target OpenSearch URL");
    addConnectionOptions(command, "the clusters");
  });
  return addSideOptions(command, "target", HELP_GROUPS.target);
}

/** Adds `--source <url>` and the source's auth and TLS flags under `heading`. */
export function addSourceOptions(command: Command, heading: string, source: string): Command {
  inGroup(command, heading, () => command.option("--source <url>", source));
  return addSideOptions(command, "source", heading);
}

function addPipelineOptions(command: Command, pipelineName: string): void {
  command
    .option("--pipeline <file>", "Data Prepper pipeline YAML naming the clusters")
    .option("--pipeline-name <name>", pipelineName);
}

function addConnectionOptions(command: Command, both: string): void {
  command
    .option("--insecure", `skip TLS verification on ${both}`)
    .option("--timeout <seconds>", timeoutHelp(), positiveNumber);
}

/** `--timeout`'s help: what one attempt waits, and what the retries make of it in all. */
function timeoutHelp(): string {
  const { maxAttempts } = DEFAULT_RETRY;
  const waits = (retryBudgetMs(0) / 1000).toFixed(2).replace(/\.?0+$/, "");
  return `seconds to wait for each answer (default ${DEFAULT_TIMEOUT_MS / 1000}); a read that ` +
    `gets none is sent ${maxAttempts} times, so a silent host fails after up to ` +
    `${maxAttempts} × SECONDS + ${waits} s (${
      formatElapsed(retryBudgetMs(DEFAULT_TIMEOUT_MS))
    } at the default)`;
}

/** One side's credentials and TLS flags; the heading names the side, so the text need not. */
function addSideOptions(command: Command, role: "source" | "target", heading: string): Command {
  const env = `FETCH_MIGRATION_${role.toUpperCase()}`;
  return inGroup(command, heading, () =>
    command
      .option(`--${role}-user <name>`, `user (or ${env}_USER)`)
      .option(`--${role}-password-file <file>`, `file holding the password (or ${env}_PASSWORD)`)
      .option(`--${role}-api-key-file <file>`, `file holding an API key (or ${env}_API_KEY)`)
      .option(`--${role}-aws-region <region>`, "sign requests with AWS SigV4 in this region")
      .addOption(
        new Option(`--${role}-aws-service <service>`, "SigV4 service; es when left out")
          .choices(["es", "aoss"]),
      )
      .option(`--${role}-ca <file>`, "PEM file of a CA to trust")
      .option(`--${role}-client-cert <file>`, "PEM client certificate to present")
      .option(
        `--${role}-client-key <file>`,
        `its PEM key (encrypted: passphrase in ${env}_CLIENT_KEY_PASSPHRASE)`,
      )
      .option(`--${role}-insecure`, `skip TLS verification on the ${role}`));
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
 * Adds the flags that accept a pair `metadata`, `run` and `sync` refuse by default (and `plan`
 * warns of): an Elasticsearch target, or a target older than the source.
 */
function addPairOptions(command: Command): Command {
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
