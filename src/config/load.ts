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
  parseEndpointUrl,
  readPem,
} from "./flags.ts";
import { parsePipelineYaml, type PipelineEndpoint } from "./pipeline.ts";
import type { EndpointConfig, MigrationEndpoints } from "./types.ts";
import { splitUserInfo } from "./redact.ts";

const readText: FileReader = (path) => Deno.readTextFile(path);

/**
 * Loads the endpoints. With a pipeline, the CLI's TLS flags still apply on top of it
 * (`--insecure`, `--<role>-insecure`, `--<role>-ca`), so a file need not be edited to trust a CA.
 */
export async function loadEndpoints(
  options: EndpointFlags & { pipeline?: string },
  env: Record<string, string | undefined>,
  read: FileReader = readText,
): Promise<MigrationEndpoints> {
  const usesFlags = options.source !== undefined || options.target !== undefined;
  if (options.pipeline !== undefined && usesFlags) {
    throw new BadInputError(
      "--pipeline and --source/--target both name the clusters",
      "use one: the pipeline file, or the flags",
    );
  }
  let text: string | undefined;
  let origin: string | undefined;
  if (options.pipeline !== undefined) {
    origin = options.pipeline;
    try {
      text = await read(options.pipeline);
    } catch (error) {
      throw new BadInputError(
        `cannot read the pipeline file ${options.pipeline}: ${
          error instanceof Error ? error.message : error
        }`,
        "check the path",
      );
    }
  } else if (!usesFlags && env.INLINE_PIPELINE) {
    origin = "INLINE_PIPELINE";
    text = decodeInlinePipeline(env.INLINE_PIPELINE);
  }
  const endpoints = text !== undefined && origin !== undefined
    ? await fromPipeline(text, origin, options, read)
    : await fromFlags(options, env, read);
  if (env.INLINE_TARGET_HOST) {
    endpoints.target.url = forceHttps(env.INLINE_TARGET_HOST);
  }
  return endpoints;
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

/** The original tool's `INLINE_TARGET_HOST`: a host (or URL) always reached over https. */
function forceHttps(value: string): string {
  const withScheme = /^\w+:\/\//.test(value)
    ? value.replace(/^\w+:\/\//, "https://")
    : `https://${value}`;
  const split = splitUserInfo(withScheme);
  if (!split) {
    throw new BadInputError(
      `INLINE_TARGET_HOST "${value}" is not a host name or URL`,
      "set it to e.g. search.example.com:9200",
    );
  }
  return split.url;
}

async function fromPipeline(
  text: string,
  origin: string,
  options: EndpointFlags,
  read: FileReader,
): Promise<MigrationEndpoints> {
  const parsed = parsePipelineYaml(text, origin);
  const resolve = async (
    endpoint: PipelineEndpoint,
    role: "source" | "target",
  ): Promise<EndpointConfig> => {
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
      },
      ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
    };
  };
  return {
    source: await resolve(parsed.source, "source"),
    target: await resolve(parsed.target, "target"),
    selection: parsed.selection,
    origin,
    pipelineName: parsed.pipelineName,
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
  const build = async (role: "source" | "target"): Promise<EndpointConfig> => {
    const { url, user } = parseEndpointUrl(role, options[role]!);
    const ca = await caFromFlag(role, options, read);
    return {
      url,
      auth: await authFromFlags(role, options, env, read, user),
      tls: {
        insecure: !!options.insecure ||
          !!(role === "source" ? options.sourceInsecure : options.targetInsecure),
        ...ca,
      },
      ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
    };
  };
  return {
    source: await build("source"),
    target: await build("target"),
    selection: { include: [], exclude: [] },
    origin: "flags",
  };
}
