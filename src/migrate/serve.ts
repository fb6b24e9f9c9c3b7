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

/** Serves only the status page and `/status.json` (Data Prepper serves its own metrics). */
export function serveStatusPage(
  where: { host: string; port: number },
  status: () => StatusJson,
): AsyncDisposable & { url: string } {
  const server = listenForMetrics(
    where.host,
    where.port,
    (request) =>
      statusResponse(new URL(request.url).pathname, status) ??
        new Response("not found: the status page is at /, its JSON at /status.json\n", {
          status: 404,
        }),
  );
  const { hostname, port } = server.addr;
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
