/**
 * The scene of the integration tests, and the one place their helpers live: the real nodes and
 * the scene of one test (`inScene`: its nodes, a prefix and a directory of its own, all cleaned
 * up after it), our CLI run as an operator runs it (to its end, or in the background with its
 * journal watched), the arguments of the commands the tests type most, the fixtures that load
 * indices through a checked `_bulk`, and the assertions every file shares.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { ensureNodes, type NodeHandle, type NodeName, PROXY_NAME } from "../harness/mod.ts";

export { ensureNodes, type NodeHandle, type NodeName, nodeUrl } from "../harness/mod.ts";
export { startNode, stopNode } from "../harness/nodes.ts";
import { NODE_NAMES, nodeFetch, nodeUrl as harnessUrl } from "../harness/nodes.ts";

// ---------------------------------------------------------------------------------------------
// The scene of one test

/** What one test works with: its nodes by name, a prefix of its own and a scratch directory. */
export type Scene<N extends string> = Record<N, NodeHandle> & {
  /** The prefix of every index and template the test makes: unique to this run. */
  p: string;
  /** A scratch directory, removed afterwards. */
  dir: string;
  /** A journal's path in `dir` (`run.json`), not written yet. */
  journal: string;
  /** spawnCli, and the process is killed at the scene's end if it still runs. */
  spawn: typeof spawnCli;
};

/**
 * Runs `body` with the nodes `names` up (the proxy brings os2), a prefix `fm-<label>-...` unique
 * to this run and a scratch directory; afterwards, whatever happened, the processes it spawned
 * are killed, every index and template of the prefix is deleted from the nodes and the directory
 * is removed.
 */
export async function inScene<N extends NodeName | typeof PROXY_NAME>(
  names: N[],
  label: string,
  body: (scene: Scene<N | ("proxy" extends N ? "os2" : never)>) => Promise<void>,
): Promise<void> {
  const nodes = await ensureNodes(names);
  const p = runPrefix(label);
  const dir = await Deno.makeTempDir({ prefix: `fm-${label}-` });
  const children: Deno.ChildProcess[] = [];
  const spawn: typeof spawnCli = (args, options) => {
    children.push(spawnCli(args, options));
    return children.at(-1)!;
  };
  try {
    await body({ ...nodes, p, dir, journal: `${dir}/run.json`, spawn } as Scene<N | "os2">);
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // It ended already.
      }
      // Reads what it printed, unless the test did (then its status is enough).
      await child.output().catch(() => child.status);
    }
    const urls = Object.values(nodes).filter((node) => node.name !== PROXY_NAME);
    await cleanUp(urls.map((node) => node.url), p);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// The CLI

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/**
 * The journals of runs without `--journal` go to this test process's own state directory, never
 * the developer's (`XDG_STATE_HOME`, which a test's `env` may set to its own).
 */
export const TEST_STATE_HOME = Deno.makeTempDirSync({ prefix: "fm-state-" });

/** Exit code (and the signal that ended it, if one did) and output of one CLI run. */
export interface CliRun {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Where a CLI run happens: variables added to its clean environment, and its directory. */
export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** The command line that runs `fetch-migration <args>` from source. */
export function cliCommandLine(args: string[]): string[] {
  return [Deno.execPath(), "run", "-A", "--quiet", MAIN, ...args];
}

/**
 * The environment of every CLI run: `env` added to a clean one holding only PATH and HOME (and
 * the test's state directory), so a variable of the developer's shell never changes what a test
 * sees. Under `deno test --coverage` (`deno task coverage`), the runs record their coverage too.
 */
export function cliEnvironment(env: Record<string, string> = {}): Record<string, string> {
  const coverage = Deno.env.get("DENO_COVERAGE_DIR");
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/root",
    NO_COLOR: "1",
    XDG_STATE_HOME: TEST_STATE_HOME,
    ...(coverage ? { DENO_COVERAGE_DIR: coverage } : {}),
    ...env,
  };
}

function cliCommand(
  args: string[],
  options: CliOptions & Pick<Deno.CommandOptions, "stdout" | "stderr">,
): Deno.Command {
  const [command, ...rest] = cliCommandLine(args);
  return new Deno.Command(command, {
    args: rest,
    clearEnv: true,
    env: cliEnvironment(options.env),
    cwd: options.cwd,
    stdout: options.stdout,
    stderr: options.stderr,
  });
}

/** Runs `fetch-migration <args>` to its end and returns what it printed. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return decoded(await cliCommand(args, { ...options, stdout: "piped", stderr: "piped" }).output());
}

/**
 * Starts `fetch-migration <args>` in the background, with the clean environment of runCli, for
 * the tests that stop a run part way (kill -9, SIGINT, a second run beside it) or talk to it
 * while it runs. Its stdout and stderr are dropped unless asked for.
 */
export function spawnCli(
  args: string[],
  options: CliOptions & { stdout?: "null" | "piped"; stderr?: "null" | "piped" } = {},
): Deno.ChildProcess {
  const { stdout = "null", stderr = "null" } = options;
  return cliCommand(args, { ...options, stdout, stderr }).spawn();
}

/**
 * What a background CLI printed (spawned with stdout and stderr piped, or the missing one reads
 * empty), once it exited; with `seconds`, it is killed and the test fails when it takes longer.
 */
export async function finished(child: Deno.ChildProcess, seconds?: number): Promise<CliRun> {
  if (seconds === undefined) return decoded(await child.output());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the run did not exit within ${seconds} s`));
    }, seconds * 1000);
  });
  try {
    return decoded(await Promise.race([child.output(), timeout]));
  } finally {
    clearTimeout(timer);
  }
}

function decoded(output: Deno.CommandOutput): CliRun {
  const decoder = new TextDecoder();
  // A stream the child was not given a pipe for throws when read: it printed nothing to us.
  const text = (stream: () => Uint8Array) => {
    try {
      return decoder.decode(stream());
    } catch {
      return "";
    }
  };
  return {
    code: output.code,
    signal: output.signal,
    stdout: text(() => output.stdout),
    stderr: text(() => output.stderr),
  };
}

// ---------------------------------------------------------------------------------------------
// The arguments the tests type most

/** A node, or the URL of one (a proxy in front of it). */
export type Endpoint = NodeHandle | string;

function urlOf(endpoint: Endpoint): string {
  return typeof endpoint === "string" ? endpoint : endpoint.url;
}

/** `--source <url> --target <url>`, and `--include <include>` when given. */
export function endpoints(source: Endpoint, target: Endpoint, include?: string): string[] {
  const selection = include === undefined ? [] : ["--include", include];
  return ["--source", urlOf(source), "--target", urlOf(target), ...selection];
}

/** What a native run copies, from where to where, and where it keeps its journal. */
export interface NativeRun {
  source: Endpoint;
  target: Endpoint;
  /** `--include`: an index, a pattern (`${p}*`) or a list. */
  include?: string;
  /** `--journal`; without it, the run's journal goes to the state directory. */
  journal?: string;
  /**
   * `false` leaves out `--engine native`, for the tests of the plain `run --source --target`
   * form, whose engine it is anyway.
   */
  engine?: false;
}

/**
 * `run --engine native --source .. --target .. [--include ..] [--journal ..] <extra>`: the
 * native engine's run as the tests give it, `extra` (flags such as `--json`) last.
 */
export function nativeRunArgs(run: NativeRun, extra: string[] = []): string[] {
  return [
    "run",
    ...(run.engine === false ? [] : ["--engine", "native"]),
    ...endpoints(run.source, run.target, run.include),
    ...(run.journal === undefined ? [] : ["--journal", run.journal]),
    ...extra,
  ];
}

// ---------------------------------------------------------------------------------------------
// Waiting on a background run's journal

/** The journal's content, or undefined while it is not written (or between two writes). */
export async function readJournal(path: string): Promise<Record<string, unknown> | undefined> {
  return await Deno.readTextFile(path).then(JSON.parse).catch(() => undefined);
}

/** Documents the journal's checkpoints count as copied. */
export function copiedIn(journal: Record<string, unknown> | undefined): number {
  const units = (journal?.backfill as { units?: Array<{ copied: number }> } | undefined)?.units;
  return (units ?? []).reduce((sum, unit) => sum + unit.copied, 0);
}

/** Waits until `ready(journal)` holds (60 s at most); fails naming `what` otherwise. */
export async function waitForJournal(
  path: string,
  what: string,
  ready: (journal: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const journal = await readJournal(path);
    if (journal && ready(journal)) return journal;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert(false, `waited 60 s for the journal ${path} to show ${what}`);
  throw new Error("unreachable");
}

/** Waits (60 s at most) until the journal counts `atLeast` documents copied; returns the count. */
export async function waitForCopied(journal: string, atLeast: number): Promise<number> {
  const state = await waitForJournal(
    journal,
    `${atLeast} documents copied`,
    (state) => copiedIn(state) >= atLeast,
  );
  return copiedIn(state);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: indices prepared on the nodes, and removed afterwards

/** A pipeline file as the original tool took it: one OpenSearch source, one OpenSearch sink. */
export interface Pipeline {
  /** The pipeline's name; the original tool's `historical-data-migration` unless given. */
  name?: string;
  source: Endpoint;
  target: Endpoint;
  /** Lines `key: value` under the source plugin, after `hosts`. */
  sourceSettings?: Record<string, string | boolean>;
  /** The source's `indices.include`: this one `index_name_regex`. */
  regex?: string;
  /** Lines `key: value` under the sink plugin, after `hosts`. */
  sinkSettings?: Record<string, string | boolean>;
}

/** The YAML of `pipeline`, every value written as given. */
export function pipelineYaml(pipeline: Pipeline): string {
  const settings = (indent: string, values: Record<string, string | boolean> = {}) =>
    Object.entries(values).map(([key, value]) => `${indent}${key}: ${value}\n`).join("");
  const include = pipeline.regex === undefined
    ? ""
    : `      indices:\n        include:\n          - index_name_regex: "${pipeline.regex}"\n`;
  return `${pipeline.name ?? "historical-data-migration"}:\n` +
    `  source:\n    opensearch:\n      hosts: ["${urlOf(pipeline.source)}"]\n` +
    settings("      ", pipeline.sourceSettings) + include +
    `  sink:\n    - opensearch:\n        hosts: ["${urlOf(pipeline.target)}"]\n` +
    settings("        ", pipeline.sinkSettings);
}

/** How the TLS proxy is logged into, as a sink's settings: its user, password and CA. */
export function proxyLogin(proxy: NodeHandle): Record<string, string> {
  return { username: proxy.username!, password: proxy.password!, cert: proxy.caPath! };
}

/** Sends a JSON request to a node and returns the parsed answer; throws on an error status. */
export async function call(
  url: string,
  method: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} -> ${response.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Indexes `count` small documents with ids `d0..`; `type` for ES 6 typed indices. */
export async function addDocuments(
  url: string,
  index: string,
  count: number,
  type?: string,
): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => {
    const meta = type ? { _type: type, _id: `d${i}` } : { _id: `d${i}` };
    return `${JSON.stringify({ index: meta })}\n${JSON.stringify({ title: `doc ${i}`, n: i })}\n`;
  }).join("");
  await bulk(`${url}/${index}`, lines);
}

/**
 * Sends NDJSON `lines` to `<base>/_bulk` (`base` is a node URL, or a node URL and an index) and
 * refreshes; throws when the request or any item failed, so a fixture never loads silently short.
 */
export async function bulk(base: string, lines: string, refresh = true): Promise<void> {
  const response = await fetch(`${base}/_bulk${refresh ? "?refresh=true" : ""}`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: lines,
  });
  const result = await response.json();
  if (!response.ok || result.errors) {
    throw new Error(`bulk into ${base}: ${JSON.stringify(result).slice(0, 500)}`);
  }
}

/** The documents `index` on `url` counts now (what a search sees: no refresh first). */
export async function countOf(url: string, index: string): Promise<number> {
  return ((await call(`${url}/${index}/_count`, "GET")) as { count: number }).count;
}

/** Refreshes `index` on `url`, then counts its documents: every acknowledged write counts. */
export async function refreshedCount(url: string, index: string): Promise<number> {
  await call(`${url}/${index}/_refresh`, "POST");
  return await countOf(url, index);
}

/** A prefix unique to this test run, so runs never see each other's indices. */
export function runPrefix(label: string): string {
  return `fm-${label}-${Date.now().toString(36)}-`;
}

/**
 * Deletes every index and template starting with `prefix` on each node, waiting as long as a
 * large delete needs, and fails loudly if anything is left behind.
 */
export async function cleanUp(urls: string[], prefix: string): Promise<void> {
  for (const url of urls) {
    // The secured nodes are reached as the harness's administrator.
    const secured = NODE_NAMES.find((name) => harnessUrl(name) === url && url.startsWith("https:"));
    const fetch = (address: string, init: RequestInit) =>
      secured
        ? nodeFetch(secured, address.slice(url.length), init)
        : globalThis.fetch(address, init);
    // Data streams first: their backing indices (.ds-...) are deleted with them. A cluster
    // without the data-stream module answers 400 or 404, which is nothing to clean.
    await fetch(`${url}/_data_stream/${prefix}*`, { method: "DELETE" }).then((r) =>
      r.body?.cancel()
    );
    const response = await fetch(
      `${url}/${prefix}*?expand_wildcards=all&timeout=5m&master_timeout=5m`,
      { method: "DELETE" },
    );
    if (!response.ok && response.status !== 404) {
      throw new Error(`cleaning ${prefix}* on ${url}: ${response.status} ${await response.text()}`);
    }
    await response.body?.cancel();
    for (
      const kind of ["_template", "_index_template", "_component_template", "_ingest/pipeline"]
    ) {
      await fetch(`${url}/${kind}/${prefix}*`, { method: "DELETE" }).then((r) => r.body?.cancel());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Assertions

/**
 * `verify --checksums` of the indices of prefix `p` exits 0: the target holds exactly the
 * source's documents. `options` as runCli's; returns the run for more checks.
 */
export async function assertVerified(
  source: Endpoint,
  target: Endpoint,
  p: string,
  options: CliOptions = {},
): Promise<CliRun> {
  const verify = await runCli(
    ["verify", ...endpoints(source, target, `${p}*`), "--checksums"],
    options,
  );
  assertEquals(verify.code, 0, `verify --checksums failed:\n${verify.stderr}`);
  return verify;
}

/**
 * What a bug prints: a Deno stack frame (`    at fn (file:///...:12:5)`), our last-resort
 * "internal error", or an exception no one caught ("error: Uncaught").
 */
const BUG_OUTPUT = /internal error|error: Uncaught|^\s+at .+:\d+:\d+/m;

/** Fails when `text` (what a command printed) holds a stack trace or a bug's message. */
export function assertNoStackTrace(text: string): void {
  assert(!BUG_OUTPUT.test(text), `a stack trace was printed:\n${text}`);
}

/**
 * A refusal as the operator must see it: exit `code`, every part in the message, an `error:`
 * and a `hint:` line, and no stack trace.
 */
export function assertRefused(run: CliRun, code: number, ...parts: string[]): void {
  assertEquals(run.code, code, `expected exit ${code}:\n${run.stderr}`);
  for (const part of parts) assertStringIncludes(run.stderr, part);
  assertMatch(run.stderr, /^error: /m);
  assertMatch(run.stderr, /^hint: /m);
  assertNoStackTrace(run.stderr);
}
