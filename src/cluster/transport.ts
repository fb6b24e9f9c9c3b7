/**
 * Sends one HTTP request and reads the whole answer. The platform `fetch` does the work; TLS
 * options go through `Deno.createHttpClient`.
 *
 * The one exception is an endpoint marked insecure (skip certificate verification): Deno 2 offers
 * that only as the process-wide `--unsafely-ignore-certificate-errors` runtime flag, which a
 * compiled binary cannot take per run and which would weaken every other connection too. So
 * that endpoint alone goes through `node:https` with `rejectUnauthorized: false`.
 */
import https from "node:https";
import type { TlsConfig } from "../config/types.ts";

/** One request, fully formed. */
export interface TransportRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
}

/** One answer, fully read. */
export interface TransportResponse {
  status: number;
  headers: Headers;
  text: string;
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
    if (tls.caCerts?.length) this.#client = Deno.createHttpClient({ caCerts: tls.caCerts });
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      client: this.#client,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  close(): void {
    this.#client?.close();
  }
}

class InsecureNodeTransport implements Transport {
  readonly #agent: https.Agent;

  constructor(tls: TlsConfig) {
    this.#agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, ca: tls.caCerts });
  }

  send(request: TransportRequest): Promise<TransportResponse> {
    if (request.url.protocol !== "https:") {
      // Nothing to skip on plain HTTP: let fetch handle it.
      return new FetchTransport({ insecure: false }).send(request);
    }
    return new Promise((resolve, reject) => {
      const outgoing = https.request(
        request.url,
        {
          method: request.method,
          headers: request.headers,
          agent: this.#agent,
          signal: request.signal,
        },
        (incoming) => {
          const chunks: Uint8Array[] = [];
          incoming.on("data", (chunk: Uint8Array) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) {
                headers.set(name, Array.isArray(value) ? value.join(", ") : value);
              }
            }
            const size = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
            const body = new Uint8Array(size);
            let offset = 0;
            for (const chunk of chunks) {
              body.set(chunk, offset);
              offset += chunk.length;
            }
            resolve({
              status: incoming.statusCode ?? 0,
              headers,
              text: new TextDecoder().decode(body),
            });
          });
        },
      );
      outgoing.on("error", reject);
      if (request.body !== undefined) outgoing.write(request.body);
      outgoing.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
