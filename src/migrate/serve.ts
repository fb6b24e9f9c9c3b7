/**
 * Binding the port a run, a sync or a monitor serves its metrics and status page on: shared by
 * the engines' servers, sync's and the monitor's.
 */
import { BadInputError, messageOf } from "../errors.ts";
import { statusResponse } from "./status-page.ts";
import type { StatusJson } from "./status.ts";

/**
 * Serves `handler` on the metrics port; a port that cannot be bound is bad input (nothing has
 * been changed yet), naming the flags to change.
 */
export function listenForMetrics(
  hostname: string,
  port: number,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  flags = { host: "--metrics-host", port: "--metrics-port" },
): Deno.HttpServer<Deno.NetAddr> {
  try {
    // Deno's own "Listening on" line would go to stdout, which belongs to --json.
    return Deno.serve({ hostname, port, onListen: () => {}, handler });
  } catch (error) {
    const busy = error instanceof Deno.errors.AddrInUse;
    throw new BadInputError(
      `cannot serve on ${hostname}:${port}: ${busy ? "the port is in use" : messageOf(error)}`,
      busy ? `pick another ${flags.port}` : `check ${flags.host} and ${flags.port}`,
    );
  }
}

/** The base URL of a server, e.g. `http://127.0.0.1:4900` or `http://[::1]:4900`. */
export function serverUrl(server: Deno.HttpServer<Deno.NetAddr>): string {
  const { hostname, port } = server.addr;
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/** What a page-only server answers besides the page, and the flags that set its port. */
export interface StatusPageOptions {
  /** `POST /shutdown`; without it, that path is not served. */
  onShutdown?: () => void;
  flags?: { host: string; port: string };
}

/**
 * Serves only the status page and `/status.json` (with `onShutdown`, `POST /shutdown` too): for
 * Data Prepper's runs, which serve their own metrics, and for `monitor --serve`.
 */
export function serveStatusPage(
  where: { host: string; port: number },
  status: () => StatusJson,
  options: StatusPageOptions = {},
): AsyncDisposable & { url: string } {
  const server = listenForMetrics(where.host, where.port, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/shutdown" && request.method === "POST" && options.onShutdown) {
      options.onShutdown();
      return new Response(null, { status: 200 });
    }
    return statusResponse(path, status) ??
      new Response("not found: the status page is at /, its JSON at /status.json\n", {
        status: 404,
      });
  }, options.flags);
  return { url: serverUrl(server), [Symbol.asyncDispose]: () => server.shutdown() };
}
