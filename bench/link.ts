/**
 * `--link LATENCY,BANDWIDTH`: every contender that reads the source reads it through a Toxiproxy
 * proxy in front of es7 (127.0.0.1:18431, outside the ports the tests take), with a latency toxic
 * and a bandwidth toxic on both streams, so the bench can show a slower, thinner link than
 * loopback. Toxiproxy applies each toxic to every connection on its own: the bandwidth is per
 * connection and per direction, not shared by the connections of a run.
 */
import { FaultProxy, type ProxyInfo, startToxiproxy } from "../tests/harness/toxiproxy.ts";
import { portFree } from "../tests/harness/shell.ts";
import { log } from "./format.ts";

/** The proxy's listen port: not in the tests' 18401-18420, nor any other harness port. */
export const LINK_PORT = 18431;
/** The proxy's name on the Toxiproxy server. */
export const LINK_PROXY = "bench-link";

/** What `--link` asks for. */
export interface LinkSpec {
  /** As given, for the report. */
  text: string;
  /** Added to every chunk, on each stream (a request and its answer: twice). */
  latencyMs: number;
  /** Toxiproxy's `rate`: KB/s (1 KB = 1000 bytes), on each stream, per connection. */
  rateKBps: number;
}

const UNITS: Record<string, number> = { KB: 1, MB: 1000, GB: 1_000_000 };

/**
 * Reads `20ms,50MB` (also `50MB/s`; latency in whole milliseconds, bandwidth in KB, MB or GB a
 * second, decimal units as Toxiproxy's). Throws a message naming the accepted form otherwise.
 */
export function parseLink(text: string): LinkSpec {
  const form = "expects LATENCY,BANDWIDTH such as 20ms,50MB or 20ms,50MB/s " +
    "(latency in whole ms; bandwidth in KB, MB or GB a second)";
  const parts = text.split(",").map((part) => part.trim());
  if (parts.length !== 2) throw new Error(`--link ${form}, got "${text}"`);
  const latency = /^(\d+)ms$/.exec(parts[0]);
  if (!latency) throw new Error(`--link: latency "${parts[0]}" is not like 20ms; --link ${form}`);
  const bandwidth = /^(\d+(?:\.\d+)?)(KB|MB|GB)(?:\/s)?$/.exec(parts[1]);
  if (!bandwidth) {
    throw new Error(`--link: bandwidth "${parts[1]}" is not like 50MB or 50MB/s; --link ${form}`);
  }
  const rateKBps = Math.round(Number(bandwidth[1]) * UNITS[bandwidth[2]]);
  if (rateKBps < 1) throw new Error(`--link: bandwidth "${parts[1]}" is under 1 KB/s`);
  return { text, latencyMs: Number(latency[1]), rateKBps };
}

/** How the report says it. */
export function describeLink(spec: LinkSpec): string {
  const rate = spec.rateKBps >= 1000 ? `${spec.rateKBps / 1000} MB/s` : `${spec.rateKBps} KB/s`;
  return `${spec.latencyMs} ms latency and ${rate} (Toxiproxy rate ${spec.rateKBps} KB/s) ` +
    "on each direction, per connection";
}

/** The proxy in front of the source, while it is there. */
export interface Link {
  spec: LinkSpec;
  /** What the contenders get as the source: `http://127.0.0.1:18431`. */
  url: string;
  /** Deletes the proxy (and its toxics); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Creates the proxy to `upstream` on the harness's Toxiproxy server (started if it is not
 * running), replacing one of the same name a crashed run left, and adds its four toxics.
 */
export async function openLink(spec: LinkSpec, upstream: string): Promise<Link> {
  const client = await startToxiproxy();
  // A proxy left by an interrupted bench holds the port: remove it before checking the port.
  await client.deleteProxy(LINK_PROXY);
  if (!portFree(LINK_PORT)) {
    throw new Error(`--link: port ${LINK_PORT} of 127.0.0.1 is taken by another process`);
  }
  // The harness's createProxy only takes the tests' ports, so this one is made here.
  const response = await fetch(`${client.url}/proxies`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: LINK_PROXY,
      listen: `127.0.0.1:${LINK_PORT}`,
      upstream: new URL(upstream).host,
      enabled: true,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`--link: Toxiproxy POST /proxies -> ${response.status}: ${text.trim()}`);
  }
  const proxy = new FaultProxy(client, JSON.parse(text) as ProxyInfo);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await proxy.delete();
    log(`link: proxy ${LINK_PROXY} (127.0.0.1:${LINK_PORT}) deleted`);
  };
  try {
    for (const stream of ["downstream", "upstream"] as const) {
      await proxy.add({
        name: `latency_${stream}`,
        type: "latency",
        stream,
        attributes: { latency: spec.latencyMs, jitter: 0 },
      });
      await proxy.add({
        name: `bandwidth_${stream}`,
        type: "bandwidth",
        stream,
        attributes: { rate: spec.rateKBps },
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  log(`link: ${proxy.url} → ${upstream}, ${describeLink(spec)}`);
  return { spec, url: proxy.url, close };
}
