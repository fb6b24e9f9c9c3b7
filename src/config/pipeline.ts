/**
 * Reads a Data Prepper pipeline YAML: each pipeline of the file, the `opensearch`/`elasticsearch`
 * plugin of its source and sink. The keys a generated Data Prepper pipeline carries beside the
 * endpoints (workers, buffer, scheduling, the sink's index and document_id...) are accepted and
 * have no effect on the native engine, which always keeps index names, ids and routing.
 * Pure: CA files are named here and read by `load.ts`.
 */
import { parseDocument, z } from "../deps.ts";
import { BadInputError } from "../errors.ts";
import { portProblem, withDefaultPort, withoutUserInfo } from "./flags.ts";
import type { AuthConfig, IndexSelection } from "./types.ts";
import { splitUserInfo } from "./redact.ts";

/** An endpoint as the file describes it; a CA file still to be read. */
export interface PipelineEndpoint {
  url: string;
  auth: AuthConfig;
  insecure: boolean;
  /** CA certificate: a path to read, or PEM text given inline. */
  ca?: { path: string } | { pem: string };
  /** Client certificate and key files (`authentication.client_certificate`/`client_key`). */
  clientCert: { cert?: string; key?: string };
  /** Dotted key path of the plugin, for messages. */
  keyPath: string;
  /** The plugin's node path in the YAML document, for rewriting it. */
  nodePath: Array<string | number>;
}

/** What a pipeline file says about the migration. */
export interface ParsedPipeline {
  pipelineName: string;
  source: PipelineEndpoint;
  target: PipelineEndpoint;
  selection: IndexSelection;
}

const PLUGIN_NAMES = ["opensearch", "elasticsearch"];
/** Top-level keys Data Prepper allows beside pipelines. */
const NON_PIPELINE_KEYS = new Set(["version", "pipeline_configurations", "extension"]);

const regexEntry = z.object({ index_name_regex: z.string() });
/** A key read by Data Prepper that has no meaning for the native engine: any value is accepted. */
const ignored = z.unknown().optional();
const pluginSchema = z.object({
  hosts: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  password: z.string().optional(),
  authentication: z.object({
    username: z.string().optional(),
    password: z.string().optional(),
    client_certificate: z.string().optional(),
    client_key: z.string().optional(),
  }).optional(),
  disable_authentication: z.boolean().optional(),
  aws_sigv4: z.boolean().optional(),
  aws_region: z.string().optional(),
  aws: z.object({
    region: z.string().optional(),
    serverless: z.boolean().optional(),
    sts_role_arn: z.string().optional(),
  }).nullable().optional(),
  insecure: z.boolean().optional(),
  cert: z.string().optional(),
  connection: z.object({
    insecure: z.boolean().optional(),
    cert: z.string().optional(),
    certificate: z.string().optional(),
  }).optional(),
  indices: z.object({
    include: z.array(regexEntry).optional(),
    exclude: z.array(regexEntry).optional(),
  }).optional(),
  // Source keys of Data Prepper's opensearch source: how it reads, which the native engine
  // decides itself (sliced `_seq_no` reads, read once).
  acknowledgments: ignored,
  search_options: ignored,
  scheduling: ignored,
  distribution_version: ignored,
  // Sink keys: the native engine writes each document to its own index with its own id and
  // routing, batches by --batch-bytes, retries by --max-attempts, and dead-letters next to the
  // journal (or --dead-letter).
  index: ignored,
  document_id: ignored,
  routing: ignored,
  action: ignored,
  dlq_file: ignored,
  bulk_size: ignored,
  max_retries: ignored,
});
type PluginConfig = z.infer<typeof pluginSchema>;

/**
 * Parses pipeline YAML text holding one pipeline, or several of which `pipelineName` picks one;
 * `origin` (a path or `INLINE_PIPELINE`) names it in errors. Several without a name are refused:
 * taking the first would leave the others' indices out without a word.
 */
export function parsePipelineYaml(
  text: string,
  origin: string,
  pipelineName?: string,
): ParsedPipeline {
  const { root, names } = readPipelines(text, origin);
  if (pipelineName !== undefined) {
    if (!names.includes(pipelineName)) {
      throw new BadInputError(
        `${origin} has no pipeline named "${pipelineName}" (it holds: ${names.join(", ")})`,
        `give --pipeline-name one of: ${names.join(", ")}`,
      );
    }
    return parsePipeline(root, pipelineName, origin);
  }
  if (names.length > 1) {
    throw new BadInputError(
      `${origin} holds ${names.length} pipelines (${names.join(", ")}); this command works on ` +
        "one pipeline",
      `pick one with --pipeline-name (${names.join(", ")}); \`run\` migrates every pipeline ` +
        "of the file",
    );
  }
  return parsePipeline(root, names[0], origin);
}

/** Parses every pipeline of the YAML text, in the file's order (one at least). */
export function parsePipelinesYaml(text: string, origin: string): ParsedPipeline[] {
  const { root, names } = readPipelines(text, origin);
  return names.map((name) => parsePipeline(root, name, origin));
}

/** The YAML document and the names of its pipelines (one at least). */
function readPipelines(
  text: string,
  origin: string,
): { root: Record<string, unknown>; names: string[] } {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    const error = document.errors[0];
    const position = error.linePos?.[0];
    const where = position ? ` at line ${position.line}, column ${position.col}` : "";
    throw new BadInputError(
      `${origin} is not valid YAML${where}: ${
        error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")
      }`,
      "fix the YAML syntax there (indentation, brackets and quotes)",
    );
  }
  const root = document.toJS() as unknown;
  if (!isRecord(root)) {
    throw new BadInputError(
      `${origin} holds no pipeline: expected a map like \`my-pipeline: {source: ..., sink: ...}\``,
    );
  }
  const names = Object.keys(root).filter((key) => !NON_PIPELINE_KEYS.has(key));
  if (names.length === 0) {
    throw new BadInputError(
      `${origin} holds no pipeline: add \`my-pipeline: {source: ..., sink: ...}\``,
    );
  }
  return { root, names };
}

/** One pipeline of the file; pipeline-level keys (workers, delay, buffer, processor) are ignored. */
function parsePipeline(
  root: Record<string, unknown>,
  pipelineName: string,
  origin: string,
): ParsedPipeline {
  const pipeline = root[pipelineName];
  if (!isRecord(pipeline)) {
    throw new BadInputError(
      `${origin}: key \`${pipelineName}\` must be a map with \`source\` and \`sink\``,
    );
  }
  const source = findPlugin(pipeline.source, `${pipelineName}.source`, origin);
  const target = findPlugin(pipeline.sink, `${pipelineName}.sink`, origin);
  const sourceConfig = validatePlugin(source.config, source.keyPath, origin);
  const targetConfig = validatePlugin(target.config, target.keyPath, origin);
  const selection = {
    include: sourceConfig.indices?.include?.map((entry) => entry.index_name_regex) ?? [],
    exclude: sourceConfig.indices?.exclude?.map((entry) => entry.index_name_regex) ?? [],
  };
  for (const side of ["include", "exclude"] as const) {
    selection[side].forEach((regex, at) =>
      checkIndexRegex(regex, `${source.keyPath}.indices.${side}[${at}].index_name_regex`, origin)
    );
  }
  return {
    pipelineName,
    source: { ...toEndpoint(sourceConfig, source.keyPath, origin), nodePath: source.nodePath },
    target: { ...toEndpoint(targetConfig, target.keyPath, origin), nodePath: target.nodePath },
    selection,
  };
}

/**
 * Refuses an `index_name_regex` that is no regular expression here, naming the file and key,
 * before any cluster is asked anything. Compiled as the selection compiles it (a whole-name
 * match, with the `u` flag when the pattern allows it).
 */
export function checkIndexRegex(regex: string, key: string, origin: string): void {
  if (regex.trim() === "") {
    // An unset variable in a templated file: it would match no name (or, left out, all).
    throw new BadInputError(
      `${origin}: key \`${key}\` is empty`,
      "give it a regex matching whole index names, e.g. `logs-.*`, or remove the entry",
    );
  }
  try {
    new RegExp(`^(?:${regex})$`, "u");
    return;
  } catch {
    // Java patterns such as `\-` are errors under `u` alone: try without it.
  }
  try {
    new RegExp(`^(?:${regex})$`);
  } catch (error) {
    const reason = (error as Error).message.replace(
      /^Invalid regular expression: \/.*\/\w*: /s,
      "",
    );
    throw new BadInputError(
      `${origin}: key \`${key}\` has ${JSON.stringify(regex)}, which is not a valid regular ` +
        `expression (${reason})`,
      "fix the regex there: it must match whole index names, e.g. `logs-.*`; escape " +
        "brackets and parentheses meant literally (`\\(`)",
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `source`/`sink` may be one map of plugins or a list of one-plugin maps. */
function findPlugin(
  section: unknown,
  keyPath: string,
  origin: string,
): { config: unknown; keyPath: string; nodePath: Array<string | number> } {
  if (section === undefined || section === null) {
    throw new BadInputError(
      `${origin}: key \`${keyPath}\` is missing`,
      `add \`${keyPath.split(".").pop()}:\` with an opensearch plugin, e.g. ` +
        '`opensearch: {hosts: ["https://host:9200"]}`',
    );
  }
  const entries: Array<[string, unknown, string, Array<string | number>]> = [];
  if (Array.isArray(section)) {
    section.forEach((item, index) => {
      if (isRecord(item)) {
        for (const [name, config] of Object.entries(item)) {
          entries.push([name, config, `${keyPath}[${index}].${name}`, [index, name]]);
        }
      }
    });
  } else if (isRecord(section)) {
    for (const [name, config] of Object.entries(section)) {
      entries.push([name, config, `${keyPath}.${name}`, [name]]);
    }
  }
  const plugins = entries.filter(([name]) => PLUGIN_NAMES.includes(name));
  if (plugins.length > 1) {
    throw new BadInputError(
      `${origin}: \`${keyPath}\` has ${plugins.length} opensearch/elasticsearch plugins ` +
        `(${plugins.map(([, , path]) => path).join(", ")}); this version reads from one source ` +
        "and writes to one sink",
      `keep one plugin under \`${keyPath}\`, and make a pipeline file per destination`,
    );
  }
  const found = plugins[0];
  if (!found) {
    const seen = entries.map(([name]) => name).join(", ") || "nothing";
    throw new BadInputError(
      `${origin}: \`${keyPath}\` has no opensearch or elasticsearch plugin (found: ${seen})`,
      `add \`opensearch: {hosts: ["https://host:9200"]}\` under \`${keyPath}\``,
    );
  }
  const [pipelineName, sectionName] = [
    keyPath.slice(0, keyPath.lastIndexOf(".")),
    keyPath.slice(keyPath.lastIndexOf(".") + 1),
  ];
  return {
    config: found[1] ?? {},
    keyPath: found[2],
    nodePath: [pipelineName, sectionName, ...found[3]],
  };
}

function validatePlugin(config: unknown, keyPath: string, origin: string): PluginConfig {
  checkHosts(config, keyPath, origin);
  const result = pluginSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = issue.path.reduce<string>(
    (path, part) => typeof part === "number" ? `${path}[${part}]` : `${path}.${String(part)}`,
    keyPath,
  );
  throw new BadInputError(
    `${origin}: key \`${key}\` is invalid: ${issue.message}`,
    expectedHint(issue.path),
  );
}

/** `hosts` checked on its own, so a missing, empty or mistyped one is said in those words. */
function checkHosts(config: unknown, keyPath: string, origin: string): void {
  const key = `${keyPath}.hosts`;
  const hint = 'write `hosts: ["https://host:9200"]`';
  if (!isRecord(config) && config !== undefined && config !== null) {
    throw new BadInputError(
      `${origin}: key \`${keyPath}\` must be a map of settings (it holds ${describeValue(config)})`,
      `${hint} under \`${keyPath}\``,
    );
  }
  if (!isRecord(config) || config.hosts === undefined || config.hosts === null) {
    throw new BadInputError(`${origin}: key \`${key}\` is missing`, hint);
  }
  const hosts = config.hosts;
  const list = Array.isArray(hosts) ? hosts : [hosts];
  if (list.some((host) => typeof host !== "string")) {
    const found = list.find((host) => typeof host !== "string");
    throw new BadInputError(
      `${origin}: key \`${key}\` is not a URL or a list of URLs (it holds ${describeValue(found)})`,
      hint,
    );
  }
  if (list.length === 0 || list.some((host) => (host as string).trim() === "")) {
    throw new BadInputError(
      `${origin}: key \`${key}\` is empty: it must name the cluster's URL`,
      hint,
    );
  }
}

/** A YAML value in words, for messages: `the number 5`, `a map`. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

function expectedHint(path: PropertyKey[]): string | undefined {
  const last = String(path[path.length - 1] ?? "");
  if (["insecure", "disable_authentication", "aws_sigv4", "serverless"].includes(last)) {
    return `write \`${last}: true\` or \`${last}: false\``;
  }
  if (last === "index_name_regex" || path.includes("indices")) {
    return 'write `include: [{index_name_regex: "logs-.*"}]`';
  }
  return undefined;
}

function toEndpoint(
  config: PluginConfig,
  keyPath: string,
  origin: string,
): Omit<PipelineEndpoint, "nodePath"> {
  const host = Array.isArray(config.hosts) ? config.hosts[0] : config.hosts;
  const hostKey = `${keyPath}.hosts`;
  const badPort = /^\w+:\/\//.test(host.trim()) ? portProblem(host) : undefined;
  if (badPort) {
    throw new BadInputError(
      `${origin}: key \`${hostKey}\` has "${withoutUserInfo(host)}", which is not a cluster ` +
        `URL: ${badPort}`,
      "give the port the cluster's HTTP layer listens on (9200 by default): " +
        `\`hosts: ["${withDefaultPort(host)}"]\``,
    );
  }
  const split = splitUserInfo(host);
  if (!split) {
    // Shown without any user:password@ it may carry.
    const shown = withoutUserInfo(host);
    const rest = shown.replace(/^\w+:\/\//, "");
    throw new BadInputError(
      `${origin}: key \`${hostKey}\` has "${shown}", which is not an http(s) URL`,
      `write the full URL with its scheme: \`hosts: ["http://${rest}"]\` for a node serving ` +
        `plain HTTP, or \`hosts: ["https://${rest}"]\` for one serving TLS`,
    );
  }
  const connectionCa = config.connection?.cert ?? config.connection?.certificate ?? config.cert;
  return {
    url: split.url,
    auth: toAuth(config, keyPath, origin, new URL(split.url), split.user),
    insecure: config.insecure ?? config.connection?.insecure ?? false,
    ...(connectionCa
      ? {
        ca: connectionCa.trimStart().startsWith("-----BEGIN")
          ? { pem: connectionCa }
          : { path: connectionCa },
      }
      : {}),
    clientCert: {
      cert: config.authentication?.client_certificate,
      key: config.authentication?.client_key,
    },
    keyPath,
  };
}

function toAuth(
  config: PluginConfig,
  keyPath: string,
  origin: string,
  url: URL,
  urlUser?: { username: string; password: string },
): AuthConfig {
  if (config.disable_authentication) return { kind: "none" };
  if (config.aws_sigv4 || config.aws) {
    const hostMatch = url.hostname.match(/\.([a-z0-9-]+)\.(es|aoss)\.amazonaws\.com$/);
    const region = config.aws?.region ?? config.aws_region ?? hostMatch?.[1];
    if (!region) {
      throw new BadInputError(
        `${origin}: AWS SigV4 is on under \`${keyPath}\` but no region is given`,
        `write \`aws: {region: us-east-1}\` under \`${keyPath}\``,
      );
    }
    const serverless = config.aws?.serverless ?? hostMatch?.[2] === "aoss";
    return {
      kind: "sigv4",
      region,
      service: serverless ? "aoss" : "es",
      ...(config.aws?.sts_role_arn ? { roleArn: config.aws.sts_role_arn } : {}),
    };
  }
  if (config.authentication && (config.username !== undefined || config.password !== undefined)) {
    throw new BadInputError(
      `${origin}: \`${keyPath}\` has both username/password and authentication`,
      "keep one of them (Data Prepper refuses both); prefer `authentication: {username, password}`",
    );
  }
  const username = config.authentication?.username ?? config.username ?? urlUser?.username;
  const password = config.authentication?.password ?? config.password ?? urlUser?.password;
  if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      const missing = username === undefined ? "username" : "password";
      throw new BadInputError(
        `${origin}: key \`${keyPath}.${missing}\` is missing (the other half of basic auth is set)`,
        "give both username and password, or `disable_authentication: true`",
      );
    }
    return { kind: "basic", username, password };
  }
  return { kind: "none" };
}
