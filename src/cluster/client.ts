import type { EndpointConfig } from "../config/types.ts";
import { redactUrl } from "../config/redact.ts";
import { logger } from "../log.ts";
import { ClusterError } from "./errors.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  retryAfterDelay,
  type RetryPolicy,
} from "./retry.ts";
import { awsCredentials, signRequest, type SigV4Options } from "./sigv4.ts";
import { createTransport, type Transport, type TransportResponse } from "./transport.ts";
import { type ClusterInfo, parseNodesInfo, parseRootInfo } from "./version.ts";

const log = logger("cluster");

/** Per-request choices. */
export interface RequestOptions {
  /** JSON-serialised unless already a string (NDJSON for `_bulk`) or bytes. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  retry?: RetryPolicy;
}

/** A fully read answer; `body` is parsed JSON when the cluster sent JSON, else text. */
export interface ClusterResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Which side an endpoint is, so messages can name the flag that fixes a problem. */
export type EndpointRole = "source" | "target";

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * An HTTP client for one cluster: auth (basic, API key, SigV4), TLS, per-request timeouts and
 * bounded retries with backoff. Every failure is a {@link ClusterError} naming the method, the
 * URL without credentials, the status and the cluster's own reason.
 */
export class ClusterClient {
  /** Base URL without credentials. */
  readonly url: string;
  readonly #endpoint: EndpointConfig;
  readonly #role?: EndpointRole;
  readonly #transport: Transport;
  readonly #sigv4?: SigV4Options;
  #info?: Promise<ClusterInfo>;

  constructor(endpoint: EndpointConfig, options: { role?: EndpointRole } = {}) {
    this.#endpoint = endpoint;
    this.#role = options.role;
    this.url = redactUrl(endpoint.url).replace(/\/+$/, "");
    this.#transport = createTransport(endpoint.tls);
    const auth = endpoint.auth;
    if (auth.kind === "sigv4") {
      this.#sigv4 = {
        region: auth.region,
        service: auth.service,
        credentials: awsCredentials(auth.region, auth.roleArn),
      };
    }
  }

  /** Sends a request, retrying when the cluster or the network says "not now". */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ClusterResponse<T>> {
    const url = this.#resolve(path);
    const policy = options.retry ?? DEFAULT_RETRY;
    const timeoutMs = options.timeoutMs ?? this.#endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    for (let attempt = 1;; attempt++) {
      let response: TransportResponse;
      try {
        response = await this.#send(method, url, options, timeoutMs);
      } catch (error) {
        const failure = this.#networkError(method, url, error, timeoutMs);
        if (
          failure.kind !== "unreachable" && failure.kind !== "timeout" ||
          attempt >= policy.maxAttempts
        ) {
          throw failure;
        }
        const wait = backoffDelay(attempt, policy, Math.random);
        log.debug`${method} ${this.#shown(url)} failed (${failure.message}); retry in ${wait} ms`;
        await sleep(wait);
        continue;
      }
      if (isRetryableStatus(response.status) && attempt < policy.maxAttempts) {
        const wait = retryAfterDelay(response.headers.get("retry-after"), policy, Date.now()) ??
          backoffDelay(attempt, policy, Math.random);
        log.debug`${method} ${this.#shown(url)} answered ${response.status}; retry in ${wait} ms`;
        await sleep(wait);
        continue;
      }
      const body = parseBody(response) as T;
      log.debug`${method} ${this.#shown(url)} -> ${response.status}`;
      return { status: response.status, headers: response.headers, body };
    }
  }

  /** Sends a request and returns the JSON body; any status outside 2xx is a ClusterError. */
  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, { body });
    if (response.status >= 200 && response.status < 300) return response.body;
    throw this.#httpError(method, path, response);
  }

  /** Product and version, read once per client. */
  info(): Promise<ClusterInfo> {
    this.#info ??= this.#readInfo();
    return this.#info;
  }

  /** Releases pooled connections. */
  close(): void {
    this.#transport.close();
  }

  /** Turns a non-2xx answer into the error a caller should throw. */
  httpError(method: string, path: string, response: ClusterResponse): ClusterError {
    return this.#httpError(method, path, response);
  }

  async #readInfo(): Promise<ClusterInfo> {
    const root = await this.request("GET", "/");
    if (root.status >= 200 && root.status < 300) return parseRootInfo(root.body);
    if (root.status === 401) throw this.#httpError("GET", "/", root);
    // `GET /` may be refused while the rest works: a user without the monitor privilege, or
    // a node without the module that serves `/` (ES 8's integ-test zip).
    const nodesPath =
      "/_nodes/_local?filter_path=cluster_name,nodes.*.version,nodes.*.build_flavor";
    const nodes = await this.request("GET", nodesPath);
    if (nodes.status >= 200 && nodes.status < 300) {
      return parseNodesInfo(nodes.body, nodes.headers.has("x-elastic-product"));
    }
    throw this.#httpError("GET", "/", root);
  }

  async #send(
    method: string,
    url: URL,
    options: RequestOptions,
    timeoutMs: number,
  ): Promise<TransportResponse> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" || options.body instanceof Uint8Array
        ? options.body as string | Uint8Array<ArrayBuffer>
        : JSON.stringify(options.body);
      headers["content-type"] ??= typeof options.body === "string" && path(url).endsWith("_bulk")
        ? "application/x-ndjson"
        : "application/json";
    }
    const auth = this.#endpoint.auth;
    if (auth.kind === "basic") {
      headers.authorization = "Basic " + base64(`${auth.username}:${auth.password}`);
    } else if (auth.kind === "apiKey") {
      headers.authorization = `ApiKey ${auth.apiKey}`;
    }
    const signed = this.#sigv4
      ? await signRequest({ method, url, headers, body }, this.#sigv4)
      : headers;
    return await this.#transport.send({
      method,
      url,
      headers: signed,
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** Joins `path` (which may carry a query) to the base URL, keeping a base path prefix. */
  #resolve(path: string): URL {
    const url = new URL(this.#endpoint.url);
    const [pathname, query] = path.split(/\?(.*)/s, 2);
    url.pathname = url.pathname.replace(/\/+$/, "") + "/" + pathname.replace(/^\/+/, "");
    url.search = query ? `?${query}` : "";
    url.username = "";
    url.password = "";
    return url;
  }

  #shown(url: URL): string {
    return redactUrl(url.href);
  }

  #flag(suffix: string): string {
    return this.#role ? `--${this.#role}-${suffix}` : `--source-${suffix}/--target-${suffix}`;
  }

  #networkError(method: string, url: URL, error: unknown, timeoutMs: number): ClusterError {
    const hostPort = `${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`;
    const shown = this.#shown(url);
    const text = describeCause(error);
    const make = (kind: ClusterError["kind"], message: string, hint?: string) =>
      new ClusterError(kind, method, shown, `${message} (${method} ${shown})`, hint);
    if (
      error instanceof DOMException &&
      (error.name === "TimeoutError" || error.name === "AbortError")
    ) {
      return make(
        "timeout",
        `no answer from ${hostPort} within ${timeoutMs / 1000} s`,
        "check that the cluster is healthy, or raise --timeout",
      );
    }
    if (
      /certificate|UnknownIssuer|self.signed|unable to verify|CERT_|NotValidForName/i.test(text)
    ) {
      return make(
        "tls",
        `the TLS certificate of ${hostPort} is not trusted: ${tlsReason(text)}`,
        `pass the CA that signed it with ${this.#flag("ca")} FILE (in a pipeline file: ` +
          "connection.cert), or skip verification with --insecure",
      );
    }
    if (/corrupt message|InvalidContentType|wrong version number|packet length/i.test(text)) {
      return make(
        "tls",
        `the TLS handshake with ${hostPort} failed (${tlsReason(text)})`,
        `${hostPort} may serve plain HTTP: try http:// instead of https://`,
      );
    }
    if (/dns error|lookup address|ENOTFOUND|EAI_AGAIN|Name or service not known/i.test(text)) {
      return make(
        "unreachable",
        `cannot resolve the host name ${url.hostname}`,
        "check the host name in the URL",
      );
    }
    if (/refused|ECONNREFUSED/i.test(text)) {
      return make(
        "unreachable",
        `cannot connect to ${hostPort}: connection refused`,
        "check that the cluster runs and that the URL's scheme, host and port are right",
      );
    }
    return make(
      "unreachable",
      `cannot reach ${hostPort}: ${text}`,
      "check the URL and the network",
    );
  }

  #httpError(method: string, path: string, response: ClusterResponse): ClusterError {
    const shown = `${this.url}${path.startsWith("/") ? path : `/${path}`}`;
    const reason = errorReason(response.body);
    if (response.status === 401 || response.status === 403) {
      const what = response.status === 401 ? "authentication failed" : "permission denied";
      const auth = this.#endpoint.auth.kind;
      const hint = response.status === 403
        ? "the credentials were accepted but lack the privilege for this request"
        : auth === "none"
        ? `the cluster needs credentials: set ${this.#flag("user")} with a password ` +
          "(environment or file), or username/password in the pipeline file"
        : "check the user name and password (or API key / AWS credentials) for this cluster";
      return new ClusterError(
        "auth",
        method,
        shown,
        `${what} (${response.status}) at ${this.url}${reason ? `: ${reason}` : ""}`,
        hint,
        response.status,
        reason,
        response.body,
      );
    }
    return new ClusterError(
      "http",
      method,
      shown,
      `${method} ${shown} failed with ${response.status}${reason ? `: ${reason}` : ""}`,
      undefined,
      response.status,
      reason,
      response.body,
    );
  }
}

/**
 * The cluster's own explanation from an error body: `{error: {type, reason, root_cause}}` on
 * Elasticsearch 5+ and OpenSearch, `{error: "text"}` on older ones, or HTML from a proxy.
 */
export function errorReason(body: unknown): string | undefined {
  if (typeof body === "string") {
    const title = body.match(/<title>([^<]*)<\/title>/i)?.[1];
    return (title ?? body).trim().slice(0, 300) || undefined;
  }
  const error = (body as { error?: unknown })?.error;
  if (typeof error === "string") return error;
  if (error && typeof error === "object") {
    const { type, reason, root_cause } = error as {
      type?: string;
      reason?: string;
      root_cause?: Array<{ type?: string; reason?: string }>;
    };
    const cause = root_cause?.[0];
    const main = [type, reason].filter(Boolean).join(": ");
    if (cause?.reason && cause.reason !== reason) {
      return `${main} (caused by ${cause.type}: ${cause.reason})`;
    }
    return main || undefined;
  }
  return undefined;
}

function parseBody(response: TransportResponse): unknown {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json") && response.text.length > 0) {
    try {
      return JSON.parse(response.text);
    } catch {
      return response.text;
    }
  }
  return response.text;
}

/** The innermost message of a fetch or node:https failure. */
function describeCause(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(": ");
}

function tlsReason(text: string): string {
  return text.match(
    /invalid peer certificate: \w+|received corrupt message[^:)]*|unable to verify[^:)]*|self.signed certificate[^:)]*/i,
  )?.[0] ??
    text;
}

function path(url: URL): string {
  return url.pathname;
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
