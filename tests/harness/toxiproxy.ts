/**
 * Toxiproxy, Shopify's fault-injection TCP proxy, for the network-fault tests: installed from
 * source with `go install` at a pinned version into `.test-clusters/bin/toxiproxy-server`, run
 * detached on 127.0.0.1 (API port 18474, or `FM_TEST_PORT_TOXIPROXY`) so several test files
 * share one server, stopped by `deno task clusters down`. A small typed client drives its HTTP
 * API: proxies (listen → upstream) and toxics (latency, bandwidth, reset_peer, timeout,
 * limit_data, slicer).
 *
 * Proxies listen on 127.0.0.1:18401-18420 only (`PROXY_PORTS`); each test file takes its own
 * ports and proxy names, so files never disturb each other's faults.
 */
import { CLUSTERS_DIR } from "./nodes.ts";
import { delay, exists, onPath, portFree, withLock } from "./shell.ts";

/**
 * The pinned release: the newest that `go list -m -versions github.com/Shopify/toxiproxy/v2`
 * lists on the Go module proxy this project builds with.
 */
export const TOXIPROXY_VERSION = "v2.5.0";
/** Go module of Toxiproxy 2. */
export const TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2";
/** Where the harness keeps the tools it builds (git-ignored, as all of `.test-clusters/`). */
export const BIN_DIR = `${CLUSTERS_DIR}bin`;
/** The server binary (`go install` names it `server`; it is renamed). */
export const TOXIPROXY_BINARY = `${BIN_DIR}/toxiproxy-server`;
/** The listen ports proxies may use, both ends included. */
export const PROXY_PORTS = { first: 18401, last: 18420 } as const;

const DIR = `${CLUSTERS_DIR}toxiproxy`;
const PID_FILE = `${DIR}/server.pid`;
const LOG_FILE = `${DIR}/server.log`;
const VERSION_MARKER = `${TOXIPROXY_BINARY}.version`;
const START_TIMEOUT_MS = 15_000;
const GO_FIX = "install Go (apt-get install -y golang-go, or unpack a release from " +
  "https://go.dev/dl/ into /usr/local/go) and make sure `go` is on PATH";

/** API port of the server: 18474, or `FM_TEST_PORT_TOXIPROXY`. */
export function toxiproxyPort(): number {
  return Number(Deno.env.get("FM_TEST_PORT_TOXIPROXY") ?? 18474);
}

/** Base URL of the server's API. */
export function toxiproxyApiUrl(): string {
  return `http://127.0.0.1:${toxiproxyPort()}`;
}

/** The `go` binary: on PATH, else where the official tarball puts it; `undefined` without Go. */
async function findGo(): Promise<string | undefined> {
  const found = await onPath("go");
  if (found) return found;
  for (const candidate of ["/usr/local/go/bin/go", "/usr/lib/go/bin/go"]) {
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Builds the pinned server with `go install` unless it is already there (up to a minute the first
 * time: modules are downloaded from the Go module proxy). Throws, saying how to install Go, when
 * Go is missing: the network-fault tests never skip.
 */
export async function installToxiproxy(): Promise<string> {
  await Deno.mkdir(BIN_DIR, { recursive: true });
  await Deno.mkdir(DIR, { recursive: true });
  return await withLock(`${DIR}/install.lock`, async () => {
    const marker = await Deno.readTextFile(VERSION_MARKER).catch(() => "");
    if (marker.trim() === TOXIPROXY_VERSION && (await exists(TOXIPROXY_BINARY))) {
      return TOXIPROXY_BINARY;
    }
    const go = await findGo();
    if (!go) {
      throw new Error(
        `the network-fault tests need Toxiproxy ${TOXIPROXY_VERSION}, built with Go, and Go is ` +
          `not installed (no \`go\` on PATH or in /usr/local/go/bin); fix: ${GO_FIX}`,
      );
    }
    const staging = await Deno.makeTempDir({ dir: BIN_DIR, prefix: "toxiproxy-build-" });
    const target = `${TOXIPROXY_MODULE}/cmd/server@${TOXIPROXY_VERSION}`;
    console.error(`toxiproxy: building ${target} with ${go} (once; up to a minute)`);
    try {
      const output = await new Deno.Command(go, {
        // The version goes into the binary, so `/version` tells a stale server from ours.
        args: [
          "install",
          `-ldflags=-X ${TOXIPROXY_MODULE}.Version=${TOXIPROXY_VERSION}`,
          target,
        ],
        env: { GOBIN: staging, GOFLAGS: "-buildvcs=false" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!output.success) {
        const error = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-15);
        throw new Error(
          `\`GOBIN=${staging} ${go} install ${target}\` failed (exit code ${output.code}):\n` +
            error.join("\n"),
        );
      }
      await Deno.rename(`${staging}/server`, TOXIPROXY_BINARY);
      await Deno.writeTextFile(VERSION_MARKER, `${TOXIPROXY_VERSION}\n`);
    } finally {
      await Deno.remove(staging, { recursive: true }).catch(() => {});
    }
    return TOXIPROXY_BINARY;
  });
}

/**
 * Starts the server detached (it outlives the test file, so the next file reuses it), or reuses
 * ours when it already answers; returns a client. A server of another version started by the
 * harness is replaced; anything else on the API port is an error naming the port's override.
 */
export async function startToxiproxy(): Promise<ToxiproxyClient> {
  const binary = await installToxiproxy();
  const client = new ToxiproxyClient(toxiproxyApiUrl());
  return await withLock(`${DIR}/start.lock`, async () => {
    const running = await client.version().catch(() => undefined);
    if (running === TOXIPROXY_VERSION) return client;
    const pid = await ourPid();
    if (pid !== undefined) {
      await stopToxiproxy();
    } else if (running !== undefined || !portFree(toxiproxyPort())) {
      throw new Error(
        `port ${toxiproxyPort()} for Toxiproxy's API is taken by ${
          running === undefined ? "another process" : `a Toxiproxy (${running}) not started here`
        } (see \`ss -ltnp 'sport = :${toxiproxyPort()}'\`); stop it or set ` +
          "FM_TEST_PORT_TOXIPROXY to a free port",
      );
    }
    await Deno.remove(PID_FILE).catch(() => {});
    const quoted = [binary, "-host", "127.0.0.1", "-port", String(toxiproxyPort())]
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
    // setsid -f: a session of its own, so neither the test's end nor Ctrl-C stops it; the
    // shell's exec keeps the pid written to the pid file.
    const start = await new Deno.Command("setsid", {
      args: [
        "-f",
        "sh",
        "-c",
        `echo $$ > '${PID_FILE}' && exec ${quoted} > '${LOG_FILE}' 2>&1 < /dev/null`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!start.success) {
      throw new Error(`starting ${binary} failed: ${new TextDecoder().decode(start.stderr)}`);
    }
    for (let waited = 0; waited < START_TIMEOUT_MS; waited += 100) {
      if ((await client.version().catch(() => undefined)) === TOXIPROXY_VERSION) {
        console.error(`toxiproxy: ${TOXIPROXY_VERSION} started, API at ${client.url}`);
        return client;
      }
      await delay(100);
    }
    const log = await Deno.readTextFile(LOG_FILE).catch(() => "");
    throw new Error(
      `Toxiproxy did not answer on ${client.url} within ${START_TIMEOUT_MS / 1000} s; ` +
        `${LOG_FILE} ends with:\n${log.trim().split("\n").slice(-10).join("\n")}`,
    );
  });
}

/** Stops the server the harness started (found by its pid file and binary); nothing else. */
export async function stopToxiproxy(): Promise<"stopped" | "not running"> {
  const pid = await ourPid();
  if (pid === undefined) {
    await Deno.remove(PID_FILE).catch(() => {});
    return "not running";
  }
  for (const [signal, waitMs] of [["SIGTERM", 5_000], ["SIGKILL", 2_000]] as const) {
    try {
      Deno.kill(pid, signal);
    } catch {
      break;
    }
    for (let waited = 0; waited < waitMs && (await isOurs(pid)); waited += 100) await delay(100);
    if (!(await isOurs(pid))) break;
  }
  if (await isOurs(pid)) throw new Error(`toxiproxy-server (pid ${pid}) did not stop`);
  await Deno.remove(PID_FILE).catch(() => {});
  return "stopped";
}

/** Whether the harness's server runs, with its pid. */
export async function toxiproxyStatus(): Promise<string> {
  const pid = await ourPid();
  return pid === undefined
    ? "stopped"
    : `running Toxiproxy ${TOXIPROXY_VERSION} API at ${toxiproxyApiUrl()} (pid ${pid})`;
}

async function ourPid(): Promise<number | undefined> {
  const pid = Number((await Deno.readTextFile(PID_FILE).catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isOurs(pid)) ? pid : undefined;
}

/** The process is our binary and not a zombie (a reused pid is someone else's). */
async function isOurs(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") return false;
    const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    return cmdline[0] === TOXIPROXY_BINARY;
  } catch {
    return false;
  }
}

/** Which way a toxic acts: on what the client sends, or on what the upstream answers. */
export type ToxicStream = "upstream" | "downstream";

/**
 * A toxic and its attributes, as Toxiproxy 2.5 defines them:
 * - `latency`: delay each chunk by `latency` ms (± `jitter`);
 * - `bandwidth`: at most `rate` KB/s;
 * - `reset_peer`: after `timeout` ms from the first data, close with a TCP RST;
 * - `timeout`: drop all data; close after `timeout` ms (0: never);
 * - `limit_data`: close the connection after `bytes` bytes;
 * - `slicer`: cut data into chunks of `average_size` (± `size_variation`) bytes, `delay` µs apart.
 */
export type ToxicKind =
  | { type: "latency"; attributes: { latency: number; jitter?: number } }
  | { type: "bandwidth"; attributes: { rate: number } }
  | { type: "reset_peer"; attributes: { timeout: number } }
  | { type: "timeout"; attributes: { timeout: number } }
  | { type: "limit_data"; attributes: { bytes: number } }
  | {
    type: "slicer";
    attributes: { average_size: number; size_variation?: number; delay?: number };
  };

/** A toxic to add: its kind, the stream it acts on, and on what share of connections. */
export type Toxic = ToxicKind & {
  /** Defaults to `<type>_<stream>`. */
  name?: string;
  /** Defaults to `downstream` (the upstream's answers). */
  stream?: ToxicStream;
  /** Share of connections it applies to, 0 to 1 (drawn per connection); defaults to 1. */
  toxicity?: number;
};

/** A toxic as the server reports it. */
export type ToxicInfo = ToxicKind & { name: string; stream: ToxicStream; toxicity: number };

/** A proxy as the server reports it. */
export interface ProxyInfo {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicInfo[];
}

/** What went wrong talking to Toxiproxy's API. */
export class ToxiproxyError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "ToxiproxyError";
  }
}

/** A typed client for Toxiproxy's HTTP API. */
export class ToxiproxyClient {
  constructor(readonly url: string) {}

  /** The server's version text (`v2.5.0` for the harness's build). */
  async version(): Promise<string> {
    const response = await fetch(`${this.url}/version`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    if (!response.ok) throw new ToxiproxyError(`GET /version -> ${response.status}: ${text}`);
    return text.trim();
  }

  /** Every proxy, by name. */
  proxies(): Promise<Record<string, ProxyInfo>> {
    return this.#call("GET", "/proxies");
  }

  /**
   * Creates proxy `name` listening on 127.0.0.1:`listenPort` (within {@link PROXY_PORTS}) to
   * `upstream` (`host:port` or a node URL). A proxy of the same name left by an earlier run is
   * replaced, so a crashed test never leaves a fault behind for the next one.
   */
  async createProxy(name: string, listenPort: number, upstream: string): Promise<FaultProxy> {
    if (listenPort < PROXY_PORTS.first || listenPort > PROXY_PORTS.last) {
      throw new ToxiproxyError(
        `proxy port ${listenPort} is outside ${PROXY_PORTS.first}-${PROXY_PORTS.last}`,
      );
    }
    const hostPort = upstream.includes("://") ? new URL(upstream).host : upstream;
    await this.deleteProxy(name);
    const body = { name, listen: `127.0.0.1:${listenPort}`, upstream: hostPort, enabled: true };
    const info = await this.#call<ProxyInfo>("POST", "/proxies", body);
    return new FaultProxy(this, info);
  }

  /** Deletes a proxy (and its toxics); nothing happens when there is none of that name. */
  async deleteProxy(name: string): Promise<void> {
    await this.#call("DELETE", `/proxies/${encodeURIComponent(name)}`, undefined, [404]);
  }

  /** Turns a proxy on or off: off, it refuses new connections and closes open ones. */
  setEnabled(name: string, enabled: boolean): Promise<ProxyInfo> {
    return this.#call("POST", `/proxies/${encodeURIComponent(name)}`, { enabled });
  }

  /** Adds a toxic to a proxy; it acts on open connections too. */
  addToxic(proxy: string, toxic: Toxic): Promise<ToxicInfo> {
    return this.#call("POST", `/proxies/${encodeURIComponent(proxy)}/toxics`, {
      stream: "downstream",
      toxicity: 1,
      ...toxic,
    });
  }

  /** The toxics of a proxy. */
  toxics(proxy: string): Promise<ToxicInfo[]> {
    return this.#call("GET", `/proxies/${encodeURIComponent(proxy)}/toxics`);
  }

  /** Removes one toxic; nothing happens when the proxy has none of that name. */
  async removeToxic(proxy: string, name: string): Promise<void> {
    const path = `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`;
    await this.#call("DELETE", path, undefined, [404]);
  }

  /**
   * Enables every proxy and removes every toxic, of every test file: only for a server no other
   * test uses at the moment. Tests clear their own proxies with {@link FaultProxy.clear}.
   */
  async reset(): Promise<void> {
    await this.#call("POST", "/reset");
  }

  async #call<T>(method: string, path: string, body?: unknown, ok: number[] = []): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok && !ok.includes(response.status)) {
      throw new ToxiproxyError(
        `Toxiproxy ${method} ${path} -> ${response.status}: ${text.trim()}`,
        response.status,
      );
    }
    return (text && response.headers.get("content-type")?.includes("json")
      ? JSON.parse(text)
      : text) as T;
  }
}

/** One proxy, with the URL to give the tool instead of the upstream's. */
export class FaultProxy {
  /** `http://127.0.0.1:<listen port>` */
  readonly url: string;
  readonly name: string;

  constructor(readonly client: ToxiproxyClient, info: ProxyInfo) {
    this.name = info.name;
    this.url = `http://${info.listen.replace(/^\[::\]|^0\.0\.0\.0/, "127.0.0.1")}`;
  }

  /** Adds a toxic; returns its name, for {@link FaultProxy.remove}. */
  async add(toxic: Toxic): Promise<string> {
    return (await this.client.addToxic(this.name, toxic)).name;
  }

  /** Removes one toxic. */
  remove(name: string): Promise<void> {
    return this.client.removeToxic(this.name, name);
  }

  /** Removes every toxic of this proxy and enables it: the path is clean again. */
  async clear(): Promise<void> {
    for (const toxic of await this.client.toxics(this.name)) await this.remove(toxic.name);
    await this.client.setEnabled(this.name, true);
  }

  /** Turns the proxy on or off. */
  async setEnabled(enabled: boolean): Promise<void> {
    await this.client.setEnabled(this.name, enabled);
  }

  /** Deletes the proxy (and its toxics). */
  delete(): Promise<void> {
    return this.client.deleteProxy(this.name);
  }
}
