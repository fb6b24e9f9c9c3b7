/**
 * Decides where the endpoints come from and returns them validated: `--pipeline FILE`, else the
 * original tool's `INLINE_PIPELINE`, else `--source/--target` flags. Bad input is a BadInputError
 * (exit 2) naming the file or flag and what to write instead.
 */
import { BadInputError } from "../errors.ts";
import {
  authFromFlags,
  caFromFlag,
  type EndpointFlags,
  type FileReader,
  hasScheme,
  parseEndpointUrl,
  portProblem,
  readPem,
  withDefaultPort,
  withoutUserInfo,
} from "./flags.ts";
import {
  type ParsedPipeline,
  parsePipelinesYaml,
  parsePipelineYaml,
  type PipelineEndpoint,
} from "./pipeline.ts";
import type { EndpointConfig, MigrationEndpoints } from "./types.ts";
import { clientCertFromFlags, readClientCertificate } from "./client-cert.ts";
import { splitUserInfo } from "./redact.ts";

const readText: FileReader = (path) => Deno.readTextFile(path);

/** Where the endpoints come from: a pipeline file (and which of its pipelines), or the flags. */
export type EndpointChoice = EndpointFlags & {
  pipeline?: string;
  /** The pipeline of a file holding several (`--pipeline-name`). */
  pipelineName?: string;
};

/** The pipeline text the endpoints come from, if any: `--pipeline FILE`, else `INLINE_PIPELINE`. */
async function pipelineSource(
  options: EndpointChoice,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<{ text: string; origin: string } | undefined> {
  const usesFlags = options.source !== undefined || options.target !== undefined;
  if (options.pipelineName !== undefined && usesFlags) {
    throw new BadInputError(
      "--pipeline-name picks a pipeline of a pipeline file, and --source/--target name the " +
        "clusters without one",
      "leave out --pipeline-name, or use --pipeline FILE instead of --source/--target",
    );
  }
  if (options.pipeline !== undefined && usesFlags) {
    throw new BadInputError(
      "--pipeline and --source/--target both name the clusters",
      "use one: the pipeline file, or the flags",
    );
  }
  if (options.pipeline !== undefined) {
    try {
      return { text: await read(options.pipeline), origin: options.pipeline };
    } catch (error) {
      throw new BadInputError(
        `cannot read the pipeline file ${options.pipeline}: ${
          error instanceof Error ? error.message : error
        }`,
        "check the path",
      );
    }
  }
  if (!usesFlags && env.INLINE_PIPELINE) {
    return { text: decodeInlinePipeline(env.INLINE_PIPELINE), origin: "INLINE_PIPELINE" };
  }
  if (options.pipelineName !== undefined) {
    throw new BadInputError(
      "--pipeline-name picks a pipeline of a pipeline file, but no pipeline file is given",
      "add --pipeline FILE (or set INLINE_PIPELINE), or leave out --pipeline-name",
    );
  }
  return undefined;
}

/**
 * Loads the endpoints. With a pipeline, the CLI's TLS flags still apply on top of it
 * (`--insecure`, `--<role>-insecure`, `--<role>-ca`), so a file need not be edited to trust a CA.
 */
export async function loadEndpoints(
  options: EndpointChoice,
  env: Record<string, string | undefined>,
  read: FileReader = readText,
): Promise<MigrationEndpoints> {
  const pipeline = await pipelineSource(options, env, read);
  const endpoints = pipeline
    ? await fromPipeline(
      parsePipelineYaml(pipeline.text, pipeline.origin, options.pipelineName),
      pipeline,
      options,
      env,
      read,
    )
    : await fromFlags(options, env, read);
  if (env.INLINE_TARGET_HOST) {
    endpoints.target.url = inlineTargetUrl(env.INLINE_TARGET_HOST);
  }
  return endpoints;
}

/**
 * Loads the endpoints of every pipeline of the file, in its order (`run` migrates them all), or
 * of the one `--pipeline-name` picks; from flags, the one pair they name.
 */
export async function loadAllEndpoints(
  options: EndpointChoice,
  env: Record<string, string | undefined>,
  read: FileReader = readText,
): Promise<MigrationEndpoints[]> {
  const pipeline = await pipelineSource(options, env, read);
  if (!pipeline || options.pipelineName !== undefined) {
    return [await loadEndpoints(options, env, read)];
  }
  const all: MigrationEndpoints[] = [];
  for (const parsed of parsePipelinesYaml(pipeline.text, pipeline.origin)) {
    const endpoints = await fromPipeline(parsed, pipeline, options, env, read);
    if (env.INLINE_TARGET_HOST) endpoints.target.url = inlineTargetUrl(env.INLINE_TARGET_HOST);
    all.push(endpoints);
  }
  return all;
}

/**
 * Loads the target alone, for commands that never touch the source (`rollback`): from the
 * pipeline's sink, or `--target` and its flags. Nothing about the source is asked for or read.
 */
export async function loadTargetEndpoint(
  options: EndpointChoice,
  env: Record<string, string | undefined>,
  read: FileReader = readText,
): Promise<EndpointConfig> {
  const pipeline = await pipelineSource(options, env, read);
  let target: EndpointConfig;
  if (pipeline) {
    const parsed = parsePipelineYaml(pipeline.text, pipeline.origin, options.pipelineName);
    target = await endpointFromPipeline(
      parsed.target,
      "target",
      pipeline.origin,
      options,
      env,
      read,
    );
  } else if (options.target === undefined) {
    throw new BadInputError(
      "no target cluster given",
      "pass --target URL, or --pipeline FILE (a Data Prepper pipeline YAML) whose sink is the " +
        "target",
    );
  } else {
    target = await endpointFromFlags("target", options, env, read);
  }
  if (env.INLINE_TARGET_HOST) target.url = inlineTargetUrl(env.INLINE_TARGET_HOST);
  return target;
}

/** Decodes the original tool's `INLINE_PIPELINE` (base64 pipeline YAML). */
export function decodeInlinePipeline(value: string): string {
  try {
    const bytes = Uint8Array.from(atob(value.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadInputError(
      "INLINE_PIPELINE is not base64-encoded text",
      "set it to the output of `base64 -w0 pipeline.yaml`",
    );
  }
}

/**
 * The original tool's `INLINE_TARGET_HOST`: a host name (reached over https, as the original
 * tool did) or a URL, whose `http://` or `https://` is kept as written.
 */
export function inlineTargetUrl(value: string): string {
  const trimmed = value.trim();
  const withScheme = hasScheme(trimmed) ? trimmed : `https://${trimmed}`;
  const badPort = portProblem(withScheme);
  if (badPort) {
    throw new BadInputError(
      `INLINE_TARGET_HOST "${withoutUserInfo(value)}" is not a cluster address: ${badPort}`,
      "give the port the cluster's HTTP layer listens on (9200 by default), e.g. " +
        withDefaultPort(withScheme),
    );
  }
  const split = splitUserInfo(withScheme);
  if (!split) {
    throw new BadInputError(
      `INLINE_TARGET_HOST "${withoutUserInfo(value)}" is not a host name or an http(s) URL`,
      "set it to a host such as search.example.com:9200 (reached over https), or a URL such " +
        "as http://127.0.0.1:9200",
    );
  }
  return split.url;
}

async function fromPipeline(
  parsed: ParsedPipeline,
  { text, origin }: { text: string; origin: string },
  options: EndpointFlags,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<MigrationEndpoints> {
  return {
    pipelineText: text,
    source: await endpointFromPipeline(parsed.source, "source", origin, options, env, read),
    target: await endpointFromPipeline(parsed.target, "target", origin, options, env, read),
    selection: parsed.selection,
    origin,
    pipelineName: parsed.pipelineName,
  };
}

/** One side of a pipeline, with the CLI's TLS flags on top. */
async function endpointFromPipeline(
  endpoint: PipelineEndpoint,
  role: "source" | "target",
  origin: string,
  options: EndpointFlags,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<EndpointConfig> {
  const keys = `${origin}: ${endpoint.keyPath}.authentication`;
  const clientCert = await clientCertFromFlags(role, options, env, read) ??
    await readClientCertificate(
      role,
      endpoint.clientCert,
      {
        cert: `${keys}.client_certificate`,
        key: `${keys}.client_key`,
      },
      env,
      read,
    );
  const fromFlag = await caFromFlag(role, options, read);
  const caCerts = [...(fromFlag.caCerts ?? [])];
  let caSource = fromFlag.caSource;
  if (endpoint.ca && "pem" in endpoint.ca) {
    caCerts.push(endpoint.ca.pem);
    caSource ??= `${endpoint.keyPath} (inline certificate)`;
  } else if (endpoint.ca) {
    caCerts.push(
      await readPem(read, endpoint.ca.path, `${origin}: ${endpoint.keyPath}.connection.cert`),
    );
    caSource ??= endpoint.ca.path;
  }
  return {
    url: endpoint.url,
    auth: endpoint.auth,
    tls: {
      insecure: endpoint.insecure || !!options.insecure ||
        !!(role === "source" ? options.sourceInsecure : options.targetInsecure),
      ...(caCerts.length > 0 ? { caCerts, caSource } : {}),
      ...(clientCert ? { clientCert } : {}),
    },
    ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
  };
}

async function fromFlags(
  options: EndpointFlags,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<MigrationEndpoints> {
  const missing = (["source", "target"] as const).filter((role) => options[role] === undefined);
  if (missing.length > 0) {
    throw new BadInputError(
      `no ${missing.join(" and ")} cluster given`,
      "pass --pipeline FILE (a Data Prepper pipeline YAML), or --source URL and --target URL",
    );
  }
  return {
    source: await endpointFromFlags("source", options, env, read),
    target: await endpointFromFlags("target", options, env, read),
    selection: { include: [], exclude: [] },
    origin: "flags",
  };
}

/** One side from `--<role>` and its auth and TLS flags. */
async function endpointFromFlags(
  role: "source" | "target",
  options: EndpointFlags,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<EndpointConfig> {
  const { url, user } = parseEndpointUrl(role, options[role]!);
  const ca = await caFromFlag(role, options, read);
  const clientCert = await clientCertFromFlags(role, options, env, read);
  return {
    url,
    auth: await authFromFlags(role, options, env, read, user),
    tls: {
      insecure: !!options.insecure ||
        !!(role === "source" ? options.sourceInsecure : options.targetInsecure),
      ...ca,
      ...(clientCert ? { clientCert } : {}),
    },
    ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
  };
}
