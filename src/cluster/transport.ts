/**
 * Sends one HTTP request and reads the whole answer. The platform `fetch` does the work; extra
 * CA certificates and a client certificate go through `Deno.createHttpClient({ caCerts, cert,
 * key })`.
 *
 * The one exception is an endpoint marked insecure (skip certificate verification). Deno 2.9's
 * `CreateHttpClientOptions` has no such option (only `caCerts`, `proxy`, pool and HTTP version
 * settings; unknown keys such as `unsafelyIgnoreCertificateErrors` are silently ignored), and
 * `Deno.connectTls` offers only `unsafelyDisableHostnameVerification`, which still checks the
 * chain. Skipping verification exists only as the process-wide runtime flag
 * `--unsafely-ignore-certificate-errors[=host,...]`, which a compiled binary cannot take per run
 * and which would weaken every other connection of the process too; `DENO_TLS_CA_STORE` and
 * `DENO_CERT` only choose what to trust. So an insecure HTTPS endpoint alone goes through
 * `node:https` with an agent of its own holding `rejectUnauthorized: false`, which Deno's Node
 * compatibility layer honours per agent (checked against an expired, a wrong-name and a
 * self-signed certificate).
 */
import https from "node:https";
import type { TlsConfig } from "../config/types.ts";
import type { PortProbe } from "./errors.ts";

/** One request, fully formed. */
export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** Bounds the whole exchange, answer body included. */
  signal: AbortSignal;
  /** Read the answer as bytes (`bytes`) rather than text. */
  bytes?: boolean;
  /** Where answers read as bytes go: a buffer of at least `size` bytes (default: a new one). */
  bytesInto?: (size: number) => Uint8Array<ArrayBuffer>;
}

/** One answer, fully read. */
export interface TransportResponse {
  status: number;
  headers: Headers;
  /** The answer as text; empty when it was read as bytes. */
  text: string;
  /** The answer as bytes, when the request asked for them. */
  bytes?: Uint8Array;
}

/** Sends requests to one endpoint. */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): void;
}

/** The transport an endpoint's TLS settings call for. */
export function createTransport(tls: TlsConfig): Transport {
  return tls.insecure ? new InsecureNodeTransport(tls) : new FetchTransport(tls);
}

class FetchTransport implements Transport {
  readonly #client?: Deno.HttpClient;

  constructor(tls: TlsConfig) {
    const identity = tls.clientCert
      ? { cert: tls.clientCert.cert, key: tls.clientCert.key }
      : undefined;
    if (tls.caCerts?.length || identity) {
      this.#client = Deno.createHttpClient({ caCerts: tls.caCerts ?? [], ...identity });
    }
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      client: this.#client,
    });
    if (request.bytes) {
      return {
        status: response.status,
        headers: response.headers,
        text: "",
        bytes: await readBytes(response, request.bytesInto),
      };
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  close(): void {
    this.#client?.close();
  }
}

class InsecureNodeTransport implements Transport {
  readonly #agent: https.Agent;
  // Plain HTTP has nothing to skip: fetch handles it.
  readonly #plain = new FetchTransport({ insecure: false });

  constructor(tls: TlsConfig) {
    this.#agent = new https.Agent({
      keepAlive: true,
      rejectUnauthorized: false,
      ca: tls.caCerts,
      cert: tls.clientCert?.cert,
      key: tls.clientCert?.key,
    });
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    if (request.url.protocol !== "https:") return this.#plain.send(request);
    const body = typeof request.body === "string"
      ? new TextEncoder().encode(request.body)
      : request.body;
    return new Promise((resolve, reject) => {
      const { signal } = request;
      // `signal` aborts the request, but once the answer has started it may leave the body
      // stream without an `end`; rejecting here bounds the whole exchange, like fetch does.
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      const done = () => signal.removeEventListener("abort", onAbort);
      const outgoing = https.request(
        request.url,
        {
          method: request.method,
          // Sent after signing and never signed itself; without it Node would send chunked.
          headers: body ? { ...request.headers, "content-length": String(body.length) } : {
            ...request.headers,
          },
          agent: this.#agent,
          signal,
        },
        (incoming) => {
          const chunks: Uint8Array[] = [];
          incoming.on("data", (chunk: Uint8Array) => chunks.push(chunk));
          incoming.on("error", (error) => {
            done();
            reject(error);
          });
          incoming.on("end", () => {
            done();
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) {
                headers.set(name, Array.isArray(value) ? value.join(", ") : value);
              }
            }
            const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
            const all = new Uint8Array(size);
            let offset = 0;
            for (const chunk of chunks) {
              all.set(chunk, offset);
              offset += chunk.length;
            }
            resolve({
              status: incoming.statusCode ?? 0,
              headers,
              ...(request.bytes
                ? { text: "", bytes: all }
                : { text: new TextDecoder().decode(all) }),
            });
          });
        },
      );
      outgoing.on("error", (error) => {
        done();
        reject(error);
      });
      if (body !== undefined) outgoing.write(body);
      outgoing.end();
    });
  }

  close(): void {
    this.#agent.destroy();
    this.#plain.close();
  }
}

/**
 * The body of an answer as one buffer. With a `content-length`, read straight into a buffer of
 * that size: no chunk buffers to gather and copy again (a page of documents is megabytes).
 */
async function readBytes(
  response: Response,
  into?: (size: number) => Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  const length = Number(response.headers.get("content-length") ?? NaN);
  if (!response.body || !Number.isSafeInteger(length) || length <= 0) return await response.bytes();
  let buffer = into?.(length) ?? new Uint8Array(length);
  let filled = 0;
  const reader = response.body.getReader({ mode: "byob" });
  try {
    for (;;) {
      if (filled === buffer.length) {
        // More than announced (should not happen): grow and go on.
        const larger = new Uint8Array(buffer.length * 2);
        larger.set(buffer);
        buffer = larger;
      }
      // A read takes the buffer over (it is transferred) and hands it back in `value`.
      const { done, value } = await reader.read(buffer.subarray(filled));
      if (value) buffer = new Uint8Array(value.buffer);
      if (done) break;
      filled += value!.length;
    }
  } finally {
    reader.releaseLock();
  }
  return buffer.subarray(0, filled);
}

/**
 * Looks at what a port really is when fetch could not say: sends a bare HTTP request over plain
 * TCP and keeps the first bytes of the answer (a transport port's "This is not an HTTP port", a
 * TLS alert), and when nothing came back, tries a TLS handshake. Each look is bounded by
 * `timeoutMs`; a failure to look is no finding, never an error.
 */
export async function probePort(url: URL, timeoutMs: number): Promise<PortProbe> {
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const answer = await firstBytes(hostname, port, url.host, timeoutMs);
  if (answer && answer.length > 0) return { answer };
  return { answer, speaksTls: await takesTls(hostname, port, timeoutMs) };
}

/** The first bytes a port answers to `GET /` (empty when it closed without a word). */
async function firstBytes(
  hostname: string,
  port: number,
  host: string,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  let conn: Deno.TcpConn | undefined;
  const timer = setTimeout(() => conn?.close(), timeoutMs);
  try {
    conn = await Deno.connect({ hostname, port });
    const request = `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(256);
    const read = await conn.read(buffer);
    return buffer.subarray(0, read ?? 0);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // Closed by the timer already.
    }
  }
}

/** Whether the port completes a TLS handshake; a refused certificate still means TLS. */
async function takesTls(hostname: string, port: number, timeoutMs: number): Promise<boolean> {
  let conn: Deno.TlsConn | undefined;
  const timer = setTimeout(() => conn?.close(), timeoutMs);
  try {
    conn = await Deno.connectTls({ hostname, port });
    await conn.handshake();
    return true;
  } catch (error) {
    return /certificate|UnknownIssuer|CaUsedAsEndEntity|NotValidForName/i.test(String(error));
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // Closed by the timer already.
    }
  }
}
