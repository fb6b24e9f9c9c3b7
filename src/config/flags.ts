/**
 * Endpoints from `--source/--target` and auth flags. Secrets come from environment variables or
 * files, never from a flag's value: argv is visible to every user of the machine.
 */
import { BadInputError } from "../errors.ts";
import type { AuthConfig, EndpointConfig } from "./types.ts";
import { type SplitUrl, splitUserInfo } from "./redact.ts";

/** Endpoint flags as commander parses them (camelCase of the long option names). */
export interface EndpointFlags {
  source?: string;
  target?: string;
  sourceUser?: string;
  targetUser?: string;
  sourcePasswordFile?: string;
  targetPasswordFile?: string;
  sourceApiKeyFile?: string;
  targetApiKeyFile?: string;
  sourceAwsRegion?: string;
  targetAwsRegion?: string;
  sourceAwsService?: "es" | "aoss";
  targetAwsService?: "es" | "aoss";
  sourceCa?: string;
  targetCa?: string;
  sourceClientCert?: string;
  sourceClientKey?: string;
  targetClientCert?: string;
  targetClientKey?: string;
  insecure?: boolean;
  sourceInsecure?: boolean;
  targetInsecure?: boolean;
  /** Per-request timeout in seconds. */
  timeout?: number;
}

/** Reads a file the user named for a secret or a certificate; errors name the flag. */
export type FileReader = (path: string) => Promise<string>;

type Role = "source" | "target";

/** Env var holding a secret for one side, e.g. `FETCH_MIGRATION_TARGET_PASSWORD`. */
export function secretEnvName(
  role: Role,
  what: "USER" | "PASSWORD" | "API_KEY" | "CLIENT_KEY_PASSPHRASE",
): string {
  return `FETCH_MIGRATION_${role.toUpperCase()}_${what}`;
}

async function readSecretFile(read: FileReader, path: string, flag: string): Promise<string> {
  try {
    // Editors add a final newline; a password never ends with one.
    return (await read(path)).replace(/\r?\n$/, "");
  } catch (error) {
    throw new BadInputError(
      `cannot read ${flag} ${path}: ${error instanceof Error ? error.message : error}`,
      "check the path and that this user may read it",
    );
  }
}

/** Auth for one side from flags and environment; `undefined` when none is configured. */
export async function authFromFlags(
  role: Role,
  flags: EndpointFlags,
  env: Record<string, string | undefined>,
  read: FileReader,
  urlUser?: { username: string; password: string },
): Promise<AuthConfig> {
  const get = <K extends keyof EndpointFlags>(key: K) => flags[key];
  const user = get(`${role}User`) ?? env[secretEnvName(role, "USER")] ?? urlUser?.username;
  const passwordFile = get(`${role}PasswordFile`);
  const apiKeyFile = get(`${role}ApiKeyFile`);
  const region = get(`${role}AwsRegion`);
  const apiKey = apiKeyFile
    ? await readSecretFile(read, apiKeyFile, `--${role}-api-key-file`)
    : env[secretEnvName(role, "API_KEY")];
  const kinds = [user !== undefined, apiKey !== undefined, region !== undefined].filter(Boolean);
  if (kinds.length > 1) {
    throw new BadInputError(
      `the ${role} has more than one kind of credentials (user, API key, AWS region)`,
      `keep one: --${role}-user, --${role}-api-key-file or --${role}-aws-region`,
    );
  }
  if (region !== undefined) {
    return { kind: "sigv4", region, service: get(`${role}AwsService`) ?? "es" };
  }
  if (apiKey !== undefined) return { kind: "apiKey", apiKey };
  if (user !== undefined) {
    const password = passwordFile
      ? await readSecretFile(read, passwordFile, `--${role}-password-file`)
      : env[secretEnvName(role, "PASSWORD")] ?? urlUser?.password;
    if (password === undefined) {
      throw new BadInputError(
        `the ${role} user ${user} has no password`,
        `set ${secretEnvName(role, "PASSWORD")} or pass --${role}-password-file FILE`,
      );
    }
    return { kind: "basic", username: user, password };
  }
  if (passwordFile !== undefined || env[secretEnvName(role, "PASSWORD")] !== undefined) {
    throw new BadInputError(
      `a ${role} password is given but no user`,
      `pass --${role}-user NAME or set ${secretEnvName(role, "USER")}`,
    );
  }
  return { kind: "none" };
}

/** Reads `--<role>-ca` if given; errors name the flag and the file. */
export async function caFromFlag(
  role: Role,
  flags: EndpointFlags,
  read: FileReader,
): Promise<Pick<EndpointConfig["tls"], "caCerts" | "caSource">> {
  const path = role === "source" ? flags.sourceCa : flags.targetCa;
  if (!path) return {};
  return { caCerts: [await readPem(read, path, `--${role}-ca`)], caSource: path };
}

/** Reads a PEM file and checks that it holds a certificate. */
export async function readPem(read: FileReader, path: string, key: string): Promise<string> {
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    throw new BadInputError(
      `cannot read the CA certificate ${path} (${key}): ${
        error instanceof Error ? error.message : error
      }`,
      "check the path and that this user may read it",
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new BadInputError(
      `${path} (${key}) holds no PEM certificate`,
      "give the CA certificate in PEM form (text starting with -----BEGIN CERTIFICATE-----)",
    );
  }
  return text;
}

/** Whether `text` starts with a URL scheme (`http://`, `https://`, `ftp://`, ...). */
export function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim());
}

/** `text` without any `user:password@` part, safe to print in a message. */
export function withoutUserInfo(text: string): string {
  return hasScheme(text) ? text.replace(/\/\/[^/@]*@/, "//") : text.replace(/^[^/@]*@/, "");
}

/**
 * What is wrong with the port of a URL that has a scheme, in words, or `undefined` when the port
 * is fine or absent (the scheme's default). `new URL` takes port 0, which no cluster listens on,
 * and refuses 70000 or `abc` without saying why.
 */
export function portProblem(text: string): string | undefined {
  // Anchored on what follows the port, so user info (`user:secret@host`) is never read as one.
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:@]*):([^/?#@]*)(?=[/?#]|$)/i
    .exec(text.trim());
  // An `@` the user info did not take (`user:p/ss@host`): the part before it may be a secret.
  if (!match || (!match[1] && text.includes("@"))) return undefined;
  const port = match[2];
  if (port === "") return undefined;
  if (!/^\d+$/.test(port)) return `its port "${port}" is not a number`;
  const value = Number(port);
  if (value < 1 || value > 65535) return `its port ${port} is not a port from 1 to 65535`;
  return undefined;
}

/**
 * `text` (a URL with a scheme) with its port set to 9200, user info dropped: what to write
 * instead of a URL whose port is wrong.
 */
export function withDefaultPort(text: string): string {
  return withoutUserInfo(text.trim()).replace(
    /^([a-z][a-z0-9+.-]*:\/\/(?:\[[^\]]*\]|[^/?#:]*))(?::[^/?#]*)?/i,
    "$1:9200",
  );
}

/**
 * Splits user info off a URL given on the command line; errors name the flag. A URL without a
 * scheme is refused with both `http://` and `https://` shown: nothing here can tell which one the
 * node speaks, and a wrong guess would give a misleading TLS error. A bad port is named as such.
 */
export function parseEndpointUrl(
  role: Role,
  text: string,
): SplitUrl {
  const shown = withoutUserInfo(text);
  if (!hasScheme(text)) {
    const rest = shown.trim();
    throw new BadInputError(
      `--${role} "${shown}" has no scheme: the URL must start with http:// or https://`,
      `write --${role} http://${rest} for a node serving plain HTTP, or --${role} https://${rest} ` +
        "for one serving TLS",
    );
  }
  const badPort = portProblem(text);
  if (badPort) {
    throw new BadInputError(
      `--${role} "${shown}" is not a cluster URL: ${badPort}`,
      `give the port the cluster's HTTP layer listens on (9200 by default), e.g. --${role} ` +
        withDefaultPort(text),
    );
  }
  const split = splitUserInfo(text.trim());
  if (!split) {
    const rest = shown.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
    throw new BadInputError(
      `--${role} "${shown}" is not an http(s) URL`,
      `write --${role} http://${rest} for a node serving plain HTTP, or --${role} https://${rest} ` +
        "for one serving TLS",
    );
  }
  return split;
}
