import type { EndpointConfig } from "../config/types.ts";
import { logger } from "../log.ts";
import {
  ClusterError,
  type EndpointRole,
  errorReason,
  foreignRoot,
  formatElapsed,
  hostPort,
  httpFailure,
  networkFailure,
  notClusterApi,
  rootNotFound,
  shownUrl,
  worthProbing,
} from "./errors.ts";
import {
  DEFAULT_RETRY,
  isRetryableFailure,
  isRetryableStatus,
  retryBudgetMs,
  retryDelay,
  type RetryPolicy,
} from "./retry.ts";
import { awsCredentials, signRequest, type SigV4Options } from "./sigv4.ts";
import { createTransport, probePort, type Transport, type TransportResponse } from "./transport.ts";
import {
  type ClusterInfo,
  NODES_INFO_PATH,
  parseNodesInfo,
  parseRootInfo,
  withNodesVersion,
} from "./version.ts";

export { errorReason };
export type { EndpointRole };

const log = logger("cluster");

/** Query parameters; `undefined` ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Per-request choices. */
export interface RequestOptions {
  /** Added to any query already in `path`. */
  query?: Query;
  /** JSON-serialised unless already a string (NDJSON for `_bulk`) or bytes. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the endpoint's timeout for this request (each attempt gets the full time). */
  timeoutMs?: number;
  /**
   * This request's timeout when the endpoint sets none (`--timeout`), instead of the client's
   * 30 s: for requests that may take longer than a read, while an operator's `--timeout` rules.
   */
  defaultTimeoutMs?: number;
  /** Overrides the client's retry policy; `{ maxAttempts: 1 }` sends once. */
  retry?: Partial<RetryPolicy>;
  /** Safe to send twice (a search sent as POST): a timed-out attempt is retried too. */
  idempotent?: boolean;
  /**
   * Return the body unparsed, for callers that read it their own way: as text (`true`), or as
   * the bytes received (`"bytes"`).
   */
  raw?: boolean | "bytes";
  /** With `raw: "bytes"`: the buffer the answer is read into (see the transport). */
  bytesInto?: (size: number) => Uint8Array<ArrayBuffer>;
}

/** A fully read answer; `body` is parsed JSON when the cluster sent JSON, else text. */
export interface ClusterResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Client-wide choices besides the endpoint itself. */
export interface ClusterClientOptions {
  /** Which side this cluster is, so messages name the right flag. */
  role?: EndpointRole;
  /** Retry bounds for every request of this client. */
  retry?: Partial<RetryPolicy>;
}

/** What each attempt of a request waits for an answer when `--timeout` does not say. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** How long the first request to a host waits in silence before a warning says so. */
const SILENCE_WARNING_MS = 5_000;

/** How long a look at a port that did not speak HTTP may take. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * An HTTP client for one cluster: auth (basic, API key, SigV4), TLS, per-request timeouts and
 * bounded retries with backoff. Every failure is a {@link ClusterError} naming the method, the
 * URL without credentials, the status and the cluster's own reason.
 */
export class ClusterClient {
  /** Base URL without credentials (and without a trailing `/`). */
  readonly url: string;
  readonly #endpoint: EndpointConfig;
  readonly #base: URL;
  readonly #role?: EndpointRole;
  readonly #retry: RetryPolicy;
  readonly #transport: Transport;
  readonly #authorization?: string;
  readonly #sigv4?: SigV4Options;
  #info?: Promise<ClusterInfo>;
  /** Whether the host has answered anything yet, and whether we warned that it is silent. */
  #answered = false;
  #warnedSilent = false;

  constructor(endpoint: EndpointConfig, options: ClusterClientOptions = {}) {
    this.#endpoint = endpoint;
    this.#role = options.role;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#base = new URL(endpoint.url);
    // Credentials belong in `auth`; a URL that still carries some never sends or shows them.
    this.#base.username = "";
    this.#base.password = "";
    this.#base.search = "";
    this.#base.hash = "";
    this.url = shownUrl(this.#base).replace(/\/+$/, "");
    this.#transport = createTransport(endpoint.tls);
    const auth = endpoint.auth;
    if (auth.kind === "basic") {
      this.#authorization = "Basic " + base64(`${auth.username}:${auth.password}`);
    } else if (auth.kind === "apiKey") {
      this.#authorization = `ApiKey ${auth.apiKey}`;
    } else if (auth.kind === "sigv4") {
      this.#sigv4 = {
        region: auth.region,
        service: auth.service,
        credentials: awsCredentials(auth.region, auth.roleArn),
      };
    }
  }

  /**
   * Sends a request and reads the whole answer, retrying when the cluster or the network says
   * "not now" (429, 502, 503, 504, dropped connections). Any status is returned; only failures
   * to get an answer throw.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ClusterResponse<T>> {
    const url = this.resolve(path, options.query);
    const policy = { ...this.#retry, ...options.retry };
    const timeoutMs = options.timeoutMs ?? this.#endpoint.timeoutMs ?? options.defaultTimeoutMs ??
      DEFAULT_TIMEOUT_MS;
    const retriesTimeouts = isRetryableFailure("timeout", options.idempotent ? "GET" : method) &&
      policy.maxAttempts > 1;
    const silence = this.#watchSilence(url, timeoutMs, retriesTimeouts ? policy : undefined);
    try {
      return await this.#attempts<T>(method, url, options, policy, timeoutMs);
    } finally {
      clearTimeout(silence);
    }
  }

  /** The attempts of one request, with the waits between them. */
  async #attempts<T>(
    method: string,
    url: URL,
    options: RequestOptions,
    policy: RetryPolicy,
    timeoutMs: number,
  ): Promise<ClusterResponse<T>> {
    const { body, headers } = this.#prepare(url, options);
    const started = performance.now();
    for (let attempt = 1;; attempt++) {
      // Signed per attempt: the signature carries a time AWS checks.
      const sent = this.#sigv4
        ? await this.#sign(this.#sigv4, method, url, headers, body)
        : headers;
      const { signal, done } = deadline(timeoutMs);
      let response: TransportResponse;
      try {
        response = await this.#transport.send({
          method,
          url,
          headers: sent,
          body,
          signal,
          bytes: options.raw === "bytes",
          bytesInto: options.bytesInto,
        });
        done();
        this.#answered = true;
      } catch (error) {
        done();
        const context = {
          method,
          url,
          timedOut: signal.aborted && (signal.reason as Error | undefined)?.name === "TimeoutError",
          timeoutMs,
          role: this.#role,
          clientCertPath: this.#endpoint.tls.clientCert?.certPath,
        };
        const failure = networkFailure(error, context);
        const asMethod = options.idempotent ? "GET" : method;
        if (!isRetryableFailure(failure.kind, asMethod) || attempt >= policy.maxAttempts) {
          const elapsedMs = performance.now() - started;
          const probe = worthProbing(error, url)
            ? await probePort(url, Math.min(timeoutMs, PROBE_TIMEOUT_MS))
            : undefined;
          throw networkFailure(error, { ...context, attempts: attempt, elapsedMs, probe });
        }
        const wait = retryDelay(attempt, policy, null, Math.random, Date.now());
        if (failure.kind === "timeout") {
          // A silent host: say so, or the operator waits minutes without a word.
          log.warn(
            `no answer from ${hostPort(url)} within ${formatElapsed(timeoutMs)} to ${method} ` +
              `${shownUrl(url)}; trying again (attempt ${attempt + 1} of ${policy.maxAttempts})`,
          );
        } else {
          log.debug`${method} ${shownUrl(url)}: ${failure.message}; retry in ${wait} ms`;
        }
        await sleep(wait);
        continue;
      }
      if (isRetryableStatus(response.status) && attempt < policy.maxAttempts) {
        const retryAfter = response.headers.get("retry-after");
        const wait = retryDelay(attempt, policy, retryAfter, Math.random, Date.now());
        log.debug`${method} ${shownUrl(url)} answered ${response.status}; retry in ${wait} ms`;
        await sleep(wait);
        continue;
      }
      log.debug`${method} ${shownUrl(url)} -> ${response.status}`;
      return {
        status: response.status,
        headers: response.headers,
        body: (options.raw === "bytes"
          ? response.bytes
          : options.raw
          ? response.text
          : parseBody(response)) as T,
      };
    }
  }

  /**
   * Until the host has answered once, a warning after a few seconds without an answer: the
   * first request to a silent host would otherwise wait `timeout × attempts` without a word.
   * Returns the timer to clear once the request is over.
   */
  #watchSilence(
    url: URL,
    timeoutMs: number,
    retries: RetryPolicy | undefined,
  ): ReturnType<typeof setTimeout> | undefined {
    if (this.#answered || this.#warnedSilent || timeoutMs <= SILENCE_WARNING_MS) return undefined;
    const timer = setTimeout(() => {
      if (this.#answered || this.#warnedSilent) return;
      this.#warnedSilent = true;
      const whole = formatElapsed(retries ? retryBudgetMs(timeoutMs, retries) : timeoutMs);
      log.warn(
        `${hostPort(url)} has not answered for ${formatElapsed(SILENCE_WARNING_MS)}; waiting up ` +
          `to ${formatElapsed(timeoutMs)} per attempt` +
          (retries ? `, retrying up to ${retries.maxAttempts} attempts in all` : "") +
          ` (up to ${whole}; --timeout sets the wait)`,
      );
    }, SILENCE_WARNING_MS);
    return timer;
  }

  /** Sends a request and returns the parsed body; any status outside 2xx is a ClusterError. */
  async json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: Omit<RequestOptions, "body"> = {},
  ): Promise<T> {
    const response = await this.request<T>(method, path, { ...options, body });
    if (response.status >= 200 && response.status < 300) return response.body;
    throw this.httpError(method, path, response, options.query);
  }

  /**
   * Product and version, read once per client. OpenSearch in compatibility mode (which claims
   * 7.10.2 in `GET /`) is asked for its real version through `_nodes`.
   */
  info(): Promise<ClusterInfo> {
    this.#info ??= this.#readInfo().catch((error) => {
      // Not cached: a caller may retry after the cluster came up.
      this.#info = undefined;
      throw error;
    });
    return this.#info;
  }

  /** Releases pooled connections. */
  close(): void {
    this.#transport.close();
  }

  /** Turns a non-2xx answer into the error a caller should throw. */
  httpError(method: string, path: string, response: ClusterResponse, query?: Query): ClusterError {
    return httpFailure({
      method,
      url: this.resolve(path, query),
      status: response.status,
      body: response.body,
      authKind: this.#endpoint.auth.kind,
      ...(this.#endpoint.auth.kind === "basic" ? { username: this.#endpoint.auth.username } : {}),
      role: this.#role,
      clientCertPath: this.#endpoint.tls.clientCert?.certPath,
    });
  }

  /**
   * The full URL of `path` (which may carry its own query) under the base URL, keeping a base
   * path such as a proxy's `/es`. Query values are percent-encoded (space as `%20`, never `+`,
   * so SigV4 and the cluster read them alike).
   */
  resolve(path: string, query?: Query): URL {
    const url = new URL(this.#base.href);
    const [pathname, search] = splitOnce(path, "?");
    url.pathname = url.pathname.replace(/\/+$/, "") + "/" + pathname.replace(/^\/+/, "");
    const parts = search ? [search] : [];
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) {
        parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
      }
    }
    url.search = parts.length ? `?${parts.join("&")}` : "";
    return url;
  }

  async #readInfo(): Promise<ClusterInfo> {
    const root = await this.request("GET", "/");
    if (root.status === 401) throw this.httpError("GET", "/", root);
    const rootAnswer = {
      status: root.status,
      contentType: root.headers.get("content-type"),
      body: root.body,
    };
    if (root.status >= 200 && root.status < 300) {
      if (foreignRoot(rootAnswer)) throw notClusterApi(this.#base, rootAnswer, this.#role);
      const info = this.#parse("GET", "/", () => parseRootInfo(root.body));
      if (!info.compatibilityMode) return info;
      const nodes = await this.request("GET", NODES_INFO_PATH);
      if (nodes.status >= 200 && nodes.status < 300) {
        return this.#parse("GET", NODES_INFO_PATH, () => withNodesVersion(info, nodes.body));
      }
      log.warn`${this.url} runs OpenSearch in compatibility mode and hides its real version`;
      return info;
    }
    // `GET /` may be refused while the rest works: a user without the monitor privilege, or
    // a node without the module that serves `/` (ES 8's integ-test zip answers 405).
    const nodes = await this.request("GET", NODES_INFO_PATH);
    if (nodes.status >= 200 && nodes.status < 300) {
      return this.#parse(
        "GET",
        NODES_INFO_PATH,
        () => parseNodesInfo(nodes.body, nodes.headers.has("x-elastic-product")),
      );
    }
    // Refused both: the fallback's refusal names the privilege (the root's may be a 405).
    if (nodes.status === 401 || nodes.status === 403) {
      throw this.httpError("GET", NODES_INFO_PATH, nodes);
    }
    const failure = this.httpError("GET", "/", root);
    // A bare 404 on the root of a URL with a path: the URL points below the cluster.
    if (root.status === 404 && this.#base.pathname.replace(/\/+$/, "") !== "") {
      throw rootNotFound(failure, this.#base, this.#role);
    }
    if (foreignRoot(rootAnswer)) throw notClusterApi(this.#base, rootAnswer, this.#role);
    throw failure;
  }

  /** Runs a parser of a 2xx body; an answer that is not a cluster's is a ClusterError too. */
  #parse(method: string, path: string, parse: () => ClusterInfo): ClusterInfo {
    try {
      return parse();
    } catch (error) {
      const url = shownUrl(this.resolve(path));
      throw new ClusterError(
        "unreachable",
        method,
        url,
        `${url} is not an Elasticsearch or OpenSearch cluster: ${(error as Error).message}`,
        "check the URL: it should point at a cluster's HTTP port (9200 by default)",
      );
    }
  }

  /** SigV4 headers; failing to find AWS credentials is an auth problem, said as such. */
  async #sign(
    sigv4: SigV4Options,
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
  ): Promise<Record<string, string>> {
    try {
      return await signRequest({ method, url, headers, body }, sigv4);
    } catch (error) {
      const role = this.#endpoint.auth.kind === "sigv4" ? this.#endpoint.auth.roleArn : undefined;
      throw new ClusterError(
        "auth",
        method,
        shownUrl(url),
        `cannot sign ${method} ${shownUrl(url)} with AWS SigV4: ` +
          `${role ? `assuming role ${role} failed: ` : ""}${(error as Error).message}`,
        "provide AWS credentials the usual way (AWS_PROFILE, AWS_ACCESS_KEY_ID/" +
          "AWS_SECRET_ACCESS_KEY, `aws sso login`, an instance or task role)",
      );
    }
  }

  /** Body bytes and headers, built once: every attempt (and the signature) uses the same. */
  #prepare(
    url: URL,
    options: RequestOptions,
  ): { body?: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
    // Uncompressed answers: fetch asks for gzip by default, and a cluster then spends CPU on
    // every page of documents it sends, and we on unpacking it (a fifth of a copy's CPU here).
    const headers: Record<string, string> = {
      accept: "application/json",
      "accept-encoding": "identity",
    };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name.toLowerCase()] = value;
    }
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" || options.body instanceof Uint8Array
        ? options.body as string | Uint8Array<ArrayBuffer>
        : JSON.stringify(options.body);
      // NDJSON for `_bulk` and `_msearch`, whether text or bytes; anything else is JSON.
      const ndjson = (typeof options.body === "string" || options.body instanceof Uint8Array) &&
        isNdjsonPath(url.pathname);
      headers["content-type"] ??= ndjson ? "application/x-ndjson" : "application/json";
    }
    if (this.#authorization) headers.authorization = this.#authorization;
    return { body, headers };
  }
}

function isNdjsonPath(pathname: string): boolean {
  return /\/_(bulk|msearch|msearch\/template)$/.test(pathname);
}

function parseBody(response: TransportResponse): unknown {
  const type = response.headers.get("content-type") ?? "";
  if (/json/i.test(type) && !/ndjson/i.test(type) && response.text.length > 0) {
    try {
      return JSON.parse(response.text);
    } catch {
      return response.text;
    }
  }
  return response.text;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A signal that aborts with a `TimeoutError` after `ms`, and `done` to cancel its timer once the
 * answer is in. (`AbortSignal.timeout` keeps each timer, and what it holds, until it fires: at
 * hundreds of requests a second and a 120 s bulk timeout, tens of thousands of them.)
 */
function deadline(ms: number): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")),
    ms,
  );
  return { signal: controller.signal, done: () => clearTimeout(timer) };
}
