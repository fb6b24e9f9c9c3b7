/**
 * Turning failed requests into errors an operator can act on. Pure: the client hands in what
 * happened (an exception from `fetch`, or a status and body) and gets a {@link ClusterError}.
 */
import { FetchMigrationError } from "../errors.ts";

/** Why a request to a cluster failed, coarse enough to pick an exit code and a fix. */
export type ClusterErrorKind =
  /** DNS, refused or reset connection: the host is not there. */
  | "unreachable"
  /** The TLS handshake failed (unknown CA, wrong host name, plain HTTP on a TLS port...). */
  | "tls"
  /** 401 or 403: the cluster refused the credentials. */
  | "auth"
  /** No answer within the per-request timeout. */
  | "timeout"
  /** Something answered, but not in HTTP: a transport port, another service. Not retried. */
  | "protocol"
  /** The cluster answered with an error status. */
  | "http";

/**
 * A failed request to a cluster. The message names the method, the URL (never credentials),
 * the status and the cluster's own reason.
 */
export class ClusterError extends FetchMigrationError {
  constructor(
    readonly kind: ClusterErrorKind,
    readonly method: string,
    /** Full request URL without user info. */
    readonly url: string,
    message: string,
    hint?: string,
    /** HTTP status when the cluster answered. */
    readonly status?: number,
    /** The cluster's own `error.reason` / `error.type`, when it gave one. */
    readonly reason?: string,
    /** Parsed response body, when the cluster answered with JSON. */
    readonly body?: unknown,
  ) {
    // A cluster that answered "no" failed the migration (1); one we could not reach, trust or
    // log in to is a setup problem the operator fixes before anything can run (3).
    super(kind === "http" ? "refused" : "unreachable", message, hint);
  }
}

/** Which side an endpoint is, so messages can name the flag that fixes a problem. */
export type EndpointRole = "source" | "target";

/** What the client knows about a request that threw instead of answering. */
export interface NetworkFailureContext {
  method: string;
  /** The request URL; user info, if any, is dropped before it is shown. */
  url: URL;
  /** Whether our own per-request timeout fired (the exception alone does not always say). */
  timedOut: boolean;
  timeoutMs: number;
  role?: EndpointRole;
  /** The client certificate presented, if any (its path, for messages). */
  clientCertPath?: string;
  /** Attempts made in all, and the time they took, when the request was retried. */
  attempts?: number;
  elapsedMs?: number;
  /** What a raw look at the port found, when fetch's error alone cannot say who answered. */
  probe?: PortProbe;
}

/** What a port did with a plain HTTP request and with a TLS handshake, looked at directly. */
export interface PortProbe {
  /** The first bytes the port sent back to a plain HTTP request (empty: it sent nothing). */
  answer?: Uint8Array;
  /** Whether the port took a TLS handshake (a certificate error counts: it speaks TLS). */
  speaksTls?: boolean;
}

/** Who answered on a port that does not speak HTTP, from the bytes it sent back. */
export type ForeignProtocol = "transport" | "tls" | "other";

/**
 * Elasticsearch's and OpenSearch's transport port answers an HTTP request with the bare text
 * "This is not an HTTP port" and closes; its own messages start with the bytes `ES`. A TLS
 * server answers plain text with an alert record (content type 21, version 3.x).
 */
export function foreignProtocol(probe: PortProbe | undefined): ForeignProtocol | undefined {
  const bytes = probe?.answer;
  if (bytes && bytes.length > 0) {
    const text = new TextDecoder().decode(bytes.subarray(0, 64));
    if (/^This is not an? HTTP port/i.test(text) || text.startsWith("ES")) return "transport";
    if ((bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03) return "tls";
    if (!text.startsWith("HTTP/")) return "other";
  }
  return probe?.speaksTls ? "tls" : undefined;
}

/** Whether fetch's error says the port answered something that is not HTTP. */
export function notHttpAnswer(error: unknown): boolean {
  return /invalid HTTP (version|status|header)|HPE_INVALID|Parse Error/i.test(
    causeChain(error).join(": "),
  );
}

/**
 * Whether a failure may come from the wrong kind of port, which a look at the port can tell: on
 * `http://`, an answer that is not HTTP or a connection closed without one (a TLS port, a
 * transport port); on `https://`, a handshake the port ended (a transport port, plain HTTP).
 */
export function worthProbing(error: unknown, url: URL): boolean {
  const all = causeChain(error).join(": ");
  if (url.protocol === "https:") return /handshake eof|unexpected end of file/i.test(all);
  return notHttpAnswer(error) ||
    /connection closed|connection reset|end of file|ECONNRESET|socket hang up/i.test(all);
}

/** What the client knows about an answer with an error status. */
export interface HttpFailureContext {
  method: string;
  /** The request URL; user info, if any, is dropped before it is shown. */
  url: URL;
  status: number;
  /** Parsed JSON, or the text the cluster (or a proxy in front of it) sent. */
  body: unknown;
  /** How we authenticated, to say which credentials to check. */
  authKind: "none" | "basic" | "apiKey" | "sigv4";
  /** The client certificate presented, if any (its path, for messages). */
  clientCertPath?: string;
  /** The basic-auth user, named in the message (never the password). */
  username?: string;
  role?: EndpointRole;
}

/**
 * The URL as it may be printed: no user info, no `filter_path` (it only trims the answer, and is
 * long), and no lone trailing `/` on the origin.
 */
export function shownUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  if (copy.searchParams.has("filter_path")) copy.searchParams.delete("filter_path");
  return copy.pathname === "/" && !copy.search ? copy.origin : copy.href;
}

/** `host:port`, with the scheme's default port spelled out, as operators type it. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

/**
 * The cluster's own explanation from an error body: `{error: {type, reason, root_cause}}` on
 * Elasticsearch 5+ and OpenSearch, `{error: "text"}` on older ones, plain text from the
 * OpenSearch security plugin, or an HTML page from a proxy.
 */
export function errorReason(body: unknown): string | undefined {
  if (typeof body === "string") {
    const title = body.match(/<title>([^<]*)<\/title>/i)?.[1];
    return (title ?? body).trim().slice(0, 300) || undefined;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === "string") return error || undefined;
  if (error && typeof error === "object") {
    const { type, reason, root_cause, caused_by } = error as {
      type?: string;
      reason?: string | null;
      root_cause?: Array<{ type?: string; reason?: string | null }>;
      caused_by?: { type?: string; reason?: string | null };
    };
    const main = [type, reason].filter(Boolean).join(": ");
    // The root cause is often the actionable part ("unknown setting [index.foo]") under a
    // generic wrapper ("failed to create"); say both when they differ.
    const cause = root_cause?.[0]?.reason ? root_cause[0] : caused_by;
    if (cause?.reason && cause.reason !== reason) {
      return `${main} (caused by ${[cause.type, cause.reason].filter(Boolean).join(": ")})`;
    }
    return main || undefined;
  }
  // AWS's own answers (a refused signature, an IAM denial): `{"message": ...}` or `Message`.
  const aws = body as { message?: unknown; Message?: unknown } | null;
  const message = aws?.message ?? aws?.Message;
  return typeof message === "string" && message ? message.slice(0, 300) : undefined;
}

/** AWS's 403s that are about the signature or the credentials, not a missing privilege. */
function sigv4Refusal(reason: string | undefined): boolean {
  return reason !== undefined &&
    /signature|security token|access key|credential|request has expired|Signature expired/i
      .test(reason);
}

/** The messages of an exception and its causes, outermost first. */
export function causeChain(error: unknown): string[] {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    if (current instanceof Error || current instanceof DOMException) {
      parts.push(current.message);
      current = (current as Error).cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts;
}

/**
 * The useful end of Deno's fetch error, e.g. "tcp connect error: Connection refused (os error
 * 111)" out of "fetch failed: error sending request for url (...): client error (Connect): ...".
 */
export function innermostCause(error: unknown): string {
  const chain = causeChain(error);
  const last = chain.at(-1) ?? String(error);
  const text = last.replace(/^.*?client error \([A-Za-z]+\): /s, "");
  // Deno's text names the URL it tried; ours never carries user info, but a URL typed with
  // `user:pass@` into some other path should still not leak.
  return text.replace(/\/\/[^/@\s]*@/g, "//");
}

/**
 * Classifies an exception thrown by `fetch` (or `node:https` for insecure endpoints) from the
 * texts Deno 2.9 produces; see the unit tests for the exact strings.
 */
export function networkFailure(error: unknown, context: NetworkFailureContext): ClusterError {
  const { method, url, role } = context;
  const shown = shownUrl(url);
  const where = hostPort(url);
  const detail = innermostCause(error);
  const all = causeChain(error).join(": ");
  const make = (kind: ClusterErrorKind, message: string, hint?: string) =>
    new ClusterError(kind, method, shown, `${message} (${method} ${shown})`, hint);

  const name = (error as { name?: string } | null)?.name;
  if (context.timedOut || name === "TimeoutError") {
    return make(
      "timeout",
      `no answer from ${where} within ${formatSeconds(context.timeoutMs)}${triedText(context)}`,
      "check that the cluster is healthy and that the URL's port is its HTTP port (usually " +
        "9200), or allow more time with --timeout SECONDS (each attempt waits that long); then " +
        "run the same command again",
    );
  }
  const foreign = foreignFailure(make, where, url, context.probe, detail);
  if (foreign) return foreign;
  const certificate = all.match(/invalid peer certificate: (.*)$/m)?.[1];
  if (certificate !== undefined || /CERT_|self.signed certificate|unable to verify/i.test(all)) {
    const problem = certificateProblem(certificate ?? detail, role);
    return make(
      "tls",
      `the TLS certificate of ${where} is not accepted: ${problem.text}`,
      problem.hint ?? tlsHint(role),
    );
  }
  const alert = all.match(
    /received fatal alert: (CertificateUnknown|BadCertificate|CertificateRequired|UnknownCA|AccessDenied|CertificateRevoked|CertificateExpired|UnsupportedCertificate)/,
  )?.[1];
  if (alert !== undefined) return clientCertificateRefused(make, where, alert, context);
  if (/corrupt message|InvalidContentType|wrong version number|packet length/i.test(all)) {
    return make(
      "tls",
      `${where} does not speak TLS, but the URL says https:// (the TLS handshake failed: ` +
        `${detail})`,
      `the port serves plain HTTP: use http://${where} instead of https://${where}`,
    );
  }
  if (/dns error|ENOTFOUND|EAI_AGAIN|EAI_NONAME|Name or service not known/i.test(all)) {
    return make(
      "unreachable",
      `cannot connect to ${where}: unknown host ${url.hostname} (${detail})`,
      "check the host name in the URL",
    );
  }
  if (/refused|ECONNREFUSED/i.test(all)) {
    return make(
      "unreachable",
      `cannot connect to ${where}: connection refused`,
      "check that the cluster runs and that the URL's scheme, host and port are right",
    );
  }
  const cutOff = "check that the cluster is healthy and that nothing in between (a proxy, a load " +
    "balancer, a firewall) cuts connections";
  // The status and headers arrived, then the connection ended before the body did: not a
  // connection that could not be made.
  if (/error reading a body|error decoding response body|end of file before message/i.test(all)) {
    return make(
      "unreachable",
      `the answer from ${where} was cut off before its end (${detail})`,
      `${cutOff} or limits the size of answers; then run the same command again`,
    );
  }
  if (/connection closed|connection reset|ECONNRESET|socket hang up|broken pipe/i.test(all)) {
    return make(
      "unreachable",
      `the connection to ${where} closed before an answer (${detail})`,
      // Mid-run, a proxy or the network is the likely cause; at the first request, a TLS port.
      `${cutOff}${
        url.protocol === "http:" ? "; if the cluster expects HTTPS, use https://" : ""
      }; then run the same command again`,
    );
  }
  return make(
    "unreachable",
    `cannot connect to ${where}: ${detail}`,
    "check the URL and the network",
  );
}

/**
 * The failure when the port answered in another protocol: the transport port, TLS on an
 * `http://` URL, or some other service; `undefined` when the port spoke HTTP, as far as we saw.
 */
function foreignFailure(
  make: (kind: ClusterErrorKind, message: string, hint?: string) => ClusterError,
  where: string,
  url: URL,
  probe: PortProbe | undefined,
  detail: string,
): ClusterError | undefined {
  const protocol = foreignProtocol(probe);
  if (protocol === "transport") {
    return make(
      "protocol",
      `${where} answered in Elasticsearch/OpenSearch's transport protocol, not HTTP: this is ` +
        "the transport port (usually 9300)",
      `use the cluster's HTTP port (usually 9200), e.g. ${url.protocol}//${url.hostname}:9200`,
    );
  }
  if (url.protocol === "https:") {
    // The handshake failed: a port that answers plain HTTP does not speak TLS.
    return probe?.answer && /^HTTP\/\d/.test(new TextDecoder().decode(probe.answer.subarray(0, 8)))
      ? make(
        "tls",
        `${where} does not speak TLS, but the URL says https://`,
        `the port serves plain HTTP: use http://${where} instead of https://${where}`,
      )
      : undefined;
  }
  if (protocol === "tls") {
    return make(
      "tls",
      `${where} speaks TLS (HTTPS), but the URL says http://`,
      `use https://${where} instead of http://${where}`,
    );
  }
  if (
    protocol === "other" || (protocol === undefined && probe === undefined && /invalid HTTP/i
      .test(detail))
  ) {
    const sample = probe?.answer ? printable(probe.answer) : "";
    return make(
      "protocol",
      `${where} answered something that is not HTTP${sample ? ` ("${sample}")` : ` (${detail})`}`,
      "check the URL's port: it should be the cluster's HTTP port (usually 9200)",
    );
  }
  return undefined;
}

/** The start of an answer, as text safe to print on one line. */
function printable(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 60));
  return text.replace(/[^\x20-\x7e]/g, "?").trim();
}

/**
 * ` (4 attempts, 2m01s in all)` when a request that got no answer was tried more than once: the
 * time the operator waited, which one timeout alone does not explain.
 */
function triedText(context: NetworkFailureContext): string {
  if (!context.attempts || context.attempts < 2 || context.elapsedMs === undefined) return "";
  return ` (${context.attempts} attempts, ${formatElapsed(context.elapsedMs)} in all)`;
}

/** A span as `4.6 s`, `42 s` or `2m01s`, as messages about waiting say it. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

/** The server's TLS alert about the client certificate (or its absence), said in words. */
function clientCertificateRefused(
  make: (kind: ClusterErrorKind, message: string, hint?: string) => ClusterError,
  where: string,
  alert: string,
  context: NetworkFailureContext,
): ClusterError {
  const flags = context.role
    ? `--${context.role}-client-cert/--${context.role}-client-key`
    : "--source-client-cert/--target-client-cert and their keys";
  if (context.clientCertPath === undefined) {
    return make(
      "tls",
      `the TLS handshake with ${where} failed: the server asks for a client certificate and ` +
        `refused the connection without one (${alert})`,
      `give a client certificate the cluster trusts with ${flags}`,
    );
  }
  return make(
    "tls",
    `the TLS handshake with ${where} failed: the server refused the client certificate ` +
      `${context.clientCertPath} (${alert})`,
    "give a certificate signed by a CA the cluster trusts for client authentication " +
      `(${flags}), made for client authentication and not expired`,
  );
}

interface CertificateProblem {
  text: string;
  /** Set when the usual advice (trust the CA) cannot work. */
  hint?: string;
}

/** Rustls' names for certificate failures, said in words. */
function certificateProblem(raw: string, role: EndpointRole | undefined): CertificateProblem {
  if (/UnknownIssuer/.test(raw)) return { text: "it is signed by an unknown CA (UnknownIssuer)" };
  if (/CaUsedAsEndEntity/.test(raw)) {
    return {
      // What `openssl req -x509` makes by default: a self-signed certificate marked as a CA.
      // Rustls refuses it as a server certificate even when that very file is trusted.
      text: "the server presents a CA certificate as its own (CaUsedAsEndEntity), as " +
        "self-signed certificates made with `openssl req -x509` do",
      hint: `give the server a certificate signed by a CA (and trust that CA with ${
        caFlags(role)
      }), or skip verification with ${insecureFlags(role)}`,
    };
  }
  if (/not valid for name/i.test(raw)) {
    return {
      text: raw,
      hint: "use a host name the certificate names, or skip verification with --insecure",
    };
  }
  if (/expired|not valid after|NotValidYet|not valid before/i.test(raw)) {
    return {
      text: raw,
      hint: "renew the server's certificate (or check this machine's clock), or skip " +
        "verification with --insecure",
    };
  }
  return { text: raw };
}

function tlsHint(role: EndpointRole | undefined): string {
  return `pass ${caFlags(role)} to trust its CA, or ${insecureFlags(role)} to skip verification`;
}

/** The two ways to trust a CA for one side: the flag, and the pipeline's `cert` key. */
function caFlags(role: EndpointRole | undefined): string {
  const flag = role ? `--${role}-ca` : "--source-ca/--target-ca";
  const plugin = role === "target" ? "sink" : role === "source" ? "source" : "source or sink";
  return `${flag} FILE (or \`cert: FILE\` in the pipeline's ${plugin})`;
}

/** The flags that skip certificate verification for one side. */
function insecureFlags(role: EndpointRole | undefined): string {
  return role ? `--${role}-insecure (--insecure for both clusters)` : "--insecure";
}

/** Turns an answer with an error status into the error to throw. */
export function httpFailure(context: HttpFailureContext): ClusterError {
  const { method, url, status, body, role } = context;
  const shown = shownUrl(url);
  const reason = errorReason(body);
  const because = reason ? `: ${reason}` : "";
  if (status === 401 || status === 403) {
    const origin = shownUrl(new URL("/", url));
    const what = status === 401 || (context.authKind === "sigv4" && sigv4Refusal(reason))
      ? "authentication failed"
      : "permission denied";
    const request = `${method} ${url.pathname}`;
    const user = context.authKind === "basic" && context.username !== undefined
      ? ` as user ${context.username}`
      : context.authKind === "apiKey"
      ? " with the API key"
      : context.clientCertPath !== undefined && context.authKind === "none"
      ? ` with the client certificate ${context.clientCertPath}`
      : "";
    return new ClusterError(
      "auth",
      method,
      shown,
      `${what} (${status}) at ${origin}${user} on ${request}${because}`,
      status === 403 && !(context.authKind === "sigv4" && sigv4Refusal(reason))
        ? privilegeHint(reason)
        : context.clientCertPath !== undefined && context.authKind === "none"
        ? "the certificate passed TLS but the cluster took it for no user: turn on client " +
          "certificate authentication there (OpenSearch: a `clientcert` auth domain) and map the " +
          "certificate's user to a role"
        : authHint(context.authKind, role),
      status,
      reason,
      body,
    );
  }
  return new ClusterError(
    "http",
    method,
    shown,
    `${method} ${shown} failed with ${status}${because}`,
    plainHttpOnTlsPort(reason) ? "the port serves HTTPS: use https:// in the URL" : undefined,
    status,
    reason,
    body,
  );
}

/**
 * The root request of a cluster (`GET /` under the configured URL) answered 404 and the URL has a
 * path: the URL points below the cluster (an index, a typo), not at it. Says so, with the root URL
 * to give instead; a proxy's real base path answers its `GET /` and never gets here.
 */
export function rootNotFound(failure: ClusterError, base: URL, role?: EndpointRole): ClusterError {
  const configured = shownUrl(base).replace(/\/+$/, "");
  const path = base.pathname.replace(/\/+$/, "");
  const root = shownUrl(new URL("/", base));
  const flag = role ? `--${role} (or the pipeline's ${role === "source" ? "source" : "sink"})` : "";
  return new ClusterError(
    "unreachable",
    failure.method,
    failure.url,
    `${failure.message}; the URL ${configured} has a path (${path}), where no cluster answers`,
    `give the cluster's root URL, e.g. ${root}${flag ? `, in ${flag}` : ""}`,
    failure.status,
    failure.reason,
    failure.body,
  );
}

/** What `GET /` answered, for saying who answered when it was not a cluster. */
export interface RootAnswer {
  status: number;
  contentType: string | null;
  /** Parsed JSON or the text of the page. */
  body: unknown;
}

/**
 * Whether `GET /` was answered by something other than a cluster: no cluster answers 404 there,
 * nor anything but JSON (a proxy's or load balancer's page, a web server).
 */
export function foreignRoot(answer: RootAnswer): boolean {
  return answer.status === 404 || typeof answer.body === "string" ||
    !/json/i.test(answer.contentType ?? "");
}

/**
 * The URL reaches some HTTP server, not the cluster's REST API: says which host, what it
 * answered (status, content type, an HTML page's title) and how to reach the API.
 */
export function notClusterApi(base: URL, answer: RootAnswer, role?: EndpointRole): ClusterError {
  const root = shownUrl(new URL(base.pathname, base)).replace(/\/+$/, "");
  const title = typeof answer.body === "string"
    ? answer.body.match(/<title[^>]*>([^<]*)<\/title>/i)?.[1]?.trim().replace(/\s+/g, " ")
    : undefined;
  const what = [
    `${answer.status}`,
    answer.contentType ? answer.contentType.split(";")[0].trim() : "no content type",
    ...(title ? [`page "${title.slice(0, 80)}"`] : []),
  ].join(", ");
  const flag = role
    ? ` in --${role} (or the pipeline's ${role === "source" ? "source" : "sink"})`
    : "";
  return new ClusterError(
    "unreachable",
    "GET",
    root,
    `${root} is not an Elasticsearch or OpenSearch REST API: GET ${base.pathname} answered ` +
      `${what} (${
        answer.status >= 502 && answer.status <= 504
          ? "a proxy or load balancer answered: the cluster behind it may be down"
          : "a proxy, a load balancer or another web server answers there"
      })`,
    `the URL${flag} must reach the cluster's REST API, which answers GET / with the cluster's ` +
      "name and version: use the cluster's HTTP port (usually 9200), or the path prefix or " +
      "route the proxy serves the cluster under (e.g. https://proxy.example/es)",
    answer.status,
    title,
    answer.body,
  );
}

/**
 * What to grant, from the cluster's own words: Elasticsearch names the privileges that grant the
 * action ("this action is granted by the index privileges [read,all]"), OpenSearch's security
 * plugin the action alone ("no permissions for [indices:data/read/search] and User [...]").
 */
export function privilegeHint(reason: string | undefined): string {
  const granted = reason?.match(/this action is granted by the (\w+) privileges \[([^\]]+)\]/);
  const indices = reason?.match(/ on indices \[([^\]]+)\]/)?.[1];
  if (granted) {
    const on = indices ? ` on ${indices}` : "";
    return `grant one of the ${granted[1]} privileges [${granted[2]}]${on} to a role of this ` +
      "user (README, Least privileges), then run the same command again";
  }
  const action = reason?.match(/no permissions for \[([^\]]+)\]/)?.[1];
  if (action) {
    return `allow ${action} (or an action group holding it) in a role mapped to this user ` +
      "(README, Least privileges), then run the same command again";
  }
  return "the credentials were accepted but lack the privilege for this request (README, " +
    "Least privileges)";
}

function authHint(
  authKind: HttpFailureContext["authKind"],
  role: EndpointRole | undefined,
): string {
  const flag = role ? `--${role}-user` : "--source-user/--target-user";
  switch (authKind) {
    case "none":
      return `the cluster needs credentials: set ${flag} with a password (environment or file), ` +
        "or username/password in the pipeline file";
    case "basic":
      return role
        ? `check the ${role}'s user name and password: --${role}-user with ` +
          `FETCH_MIGRATION_${role.toUpperCase()}_PASSWORD or --${role}-password-file, or ` +
          `username/password in the pipeline's ${role === "target" ? "sink" : "source"}`
        : "check the user name and password for this cluster";
    case "apiKey":
      return "check the API key for this cluster (the encoded id:key value)";
    case "sigv4":
      return "check the AWS credentials, region and service (es or aoss), and that the " +
        "domain's access policy admits this identity";
  }
}

function plainHttpOnTlsPort(reason: string | undefined): boolean {
  return reason !== undefined && /plain HTTP request was sent to HTTPS port/i.test(reason);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
