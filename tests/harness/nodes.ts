/**
 * Real Elasticsearch and OpenSearch single nodes for the tests, from the distributions Maven
 * Central publishes: download (cached by Maven), unpack into `.test-clusters/<name>/`, configure,
 * start detached as an unprivileged user on loopback, wait for health, stop.
 */
import { exists, run } from "./shell.ts";
import { copyArtifact, copyWithDependencies } from "./maven.ts";

/** Names of the test nodes (the proxy is handled by proxy.ts). */
export type NodeName = "es6" | "es7" | "es8" | "os1" | "os2" | "os3";

/** Every node name, in the order `up` starts them. */
export const NODE_NAMES: readonly NodeName[] = ["es6", "es7", "es8", "os1", "os2", "os3"];

/** Static description of one test node. */
export interface NodeSpec {
  name: NodeName;
  product: "elasticsearch" | "opensearch";
  version: string;
  /** Maven coordinates of the zip. */
  artifact: string;
  defaultPort: number;
  /** Which JDK the node needs. */
  java: "17" | "25";
  /** Settings beyond the common ones. */
  settings: Record<string, unknown>;
  /** Module jars to add from Maven Central: module directory name and plugin class. */
  extraModules: ExtraModule[];
  /** Heap size; 512m unless a test needs more. */
  heap?: string;
}

/** A module the integ-test zip lacks, rebuilt from the jars Maven Central publishes. */
export interface ExtraModule {
  name: string;
  artifact: string;
  classname: string;
  /** Settings that only make sense (and only start) when the module is there. */
  settings: Record<string, unknown>;
  /** The module's plugin-security.policy, needed by OpenSearch's security manager. */
  policy: string;
}

const REINDEX_POLICY = `grant {
  permission java.net.SocketPermission "*", "connect";
};
grant codeBase "\${codebase.opensearch-rest-client}" {
  permission java.net.NetPermission "getProxySelector";
};
grant codeBase "\${codebase.httpasyncclient}" {
  permission java.net.NetPermission "getProxySelector";
};
`;

/** The six test nodes (DESIGN.md, Test harness). */
export const NODE_SPECS: Record<NodeName, NodeSpec> = {
  es6: {
    name: "es6",
    product: "elasticsearch",
    version: "6.8.23",
    // 6.8 is the last line with full OSS zips on Central; they carry reindex, analysis-common,
    // painless and the other modules the integ-test zip lacks.
    artifact: "org.elasticsearch.distribution.zip:elasticsearch-oss:6.8.23:zip",
    defaultPort: 19206,
    java: "17",
    settings: {},
    extraModules: [],
  },
  es7: {
    name: "es7",
    product: "elasticsearch",
    version: "7.10.2",
    artifact: "org.elasticsearch.distribution.integ-test-zip:elasticsearch:7.10.2:zip",
    defaultPort: 19207,
    java: "17",
    settings: {},
    extraModules: [],
    // es7 also hosts the 3 000-index planning test; cluster metadata of that many indices does
    // not fit in 512 MB.
    heap: "1g",
  },
  es8: {
    name: "es8",
    product: "elasticsearch",
    version: "8.19.21",
    artifact: "org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.19.21:zip",
    defaultPort: 19208,
    java: "17",
    // The integ-test zip has x-pack security but no users: Elastic's own test clusters turn it
    // off for this distribution. ES 8 also refuses wildcard deletes by default.
    settings: { "xpack.security.enabled": false, "action.destructive_requires_name": false },
    extraModules: [],
  },
  os1: {
    name: "os1",
    product: "opensearch",
    version: "1.3.20",
    artifact: "org.opensearch.distribution.integ-test-zip:opensearch:1.3.20:zip",
    defaultPort: 19301,
    java: "17",
    settings: {},
    extraModules: [],
  },
  os2: {
    name: "os2",
    product: "opensearch",
    version: "2.19.6",
    artifact: "org.opensearch.distribution.integ-test-zip:opensearch:2.19.6:zip",
    defaultPort: 19302,
    java: "17",
    settings: {},
    extraModules: [{
      name: "reindex",
      artifact: "org.opensearch.plugin:reindex-client:2.19.6",
      classname: "org.opensearch.index.reindex.ReindexPlugin",
      settings: { "reindex.remote.allowlist": ["127.0.0.1:*", "localhost:*"] },
      policy: REINDEX_POLICY,
    }],
  },
  os3: {
    name: "os3",
    product: "opensearch",
    version: "3.6.0",
    artifact: "org.opensearch.distribution.integ-test-zip:opensearch:3.6.0:zip",
    defaultPort: 19303,
    // OpenSearch 3 needs Java 21+; the machine has Temurin 25, supported from 3.5.
    java: "25",
    settings: {},
    extraModules: [],
  },
};

/** Root of everything the harness writes (git-ignored). */
export const CLUSTERS_DIR = new URL("../../.test-clusters/", import.meta.url).pathname;
const DIST_DIR = `${CLUSTERS_DIR}dist`;
/** Unprivileged user the nodes run as: Elasticsearch and OpenSearch refuse to run as root. */
export const NODE_USER = "fmtest";
const START_TIMEOUT_MS = 300_000;

/** HTTP port of a node: the fixed default, or `FM_TEST_PORT_<NAME>`. */
export function nodePort(name: NodeName): number {
  const override = Deno.env.get(`FM_TEST_PORT_${name.toUpperCase()}`);
  return override ? Number(override) : NODE_SPECS[name].defaultPort;
}

/** Base URL of a node. */
export function nodeUrl(name: NodeName): string {
  return `http://127.0.0.1:${nodePort(name)}`;
}

function javaHome(java: NodeSpec["java"]): string {
  return java === "17"
    ? Deno.env.get("FM_JAVA17_HOME") ?? "/usr/lib/jvm/java-17-openjdk-amd64"
    : Deno.env.get("FM_JAVA25_HOME") ?? "/usr/lib/jvm/temurin-25-jdk-amd64";
}

function nodeDir(name: NodeName): string {
  return `${CLUSTERS_DIR}${name}`;
}

/** What answers on a node's port, if anything. */
export interface RunningNode {
  name: NodeName;
  url: string;
  version: string;
  distribution: "elasticsearch" | "opensearch";
  clusterName: string;
}

/**
 * Asks the node's port who is there; `undefined` when nothing answers. Reads `_nodes/_local`
 * rather than `GET /`: the ES 8 integ-test zip lacks the rest-root module that serves `/`.
 */
export async function probe(name: NodeName): Promise<RunningNode | undefined> {
  try {
    const response = await fetch(
      `${
        nodeUrl(name)
      }/_nodes/_local?filter_path=cluster_name,nodes.*.version,nodes.*.build_flavor`,
      { signal: AbortSignal.timeout(3000) },
    );
    const body = await response.json();
    const [node] = Object.values(body.nodes) as Array<{ version: string; build_flavor?: string }>;
    // Elasticsearch reports a build flavor (and 7.14+ the product header); OpenSearch neither.
    const elastic = response.headers.has("x-elastic-product") || node.build_flavor !== undefined;
    return {
      name,
      url: nodeUrl(name),
      version: node.version,
      distribution: elastic ? "elasticsearch" : "opensearch",
      clusterName: body.cluster_name,
    };
  } catch {
    return undefined;
  }
}

async function ensureNodeUser(): Promise<void> {
  if (Deno.uid() !== 0) {
    throw new Error(
      "the test harness must run as root: it runs the nodes as the unprivileged user " +
        `${NODE_USER}, which it creates (Elasticsearch and OpenSearch refuse to run as root)`,
    );
  }
  const known = await new Deno.Command("id", { args: [NODE_USER], stdout: "null", stderr: "null" })
    .output();
  if (!known.success) {
    await run(
      "useradd",
      ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", NODE_USER],
      `useradd ${NODE_USER}`,
    );
  }
}

/** Unpacks the distribution once; later runs reuse the unpacked home. */
async function unpack(spec: NodeSpec): Promise<string> {
  const home = `${nodeDir(spec.name)}/home`;
  const marker = `${home}/.fm-unpacked-${spec.version}`;
  if (await exists(marker)) return home;
  const zip = await copyArtifact(spec.artifact, DIST_DIR);
  const staging = `${nodeDir(spec.name)}/unpacking`;
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.remove(home, { recursive: true }).catch(() => {});
  await Deno.mkdir(staging, { recursive: true });
  // Info-ZIP keeps the executable bits that the launch scripts need.
  await run("unzip", ["-q", zip, "-d", staging], `unzip ${zip}`);
  const [top] = [...Deno.readDirSync(staging)];
  await Deno.rename(`${staging}/${top.name}`, home);
  await Deno.remove(staging, { recursive: true });
  await patchJvmOptions(spec, home);
  for (const module of spec.extraModules) {
    await addModule(spec, home, module).catch((error) => {
      // The node is still useful without it; the handle's module list tells tests the truth.
      console.error(`${spec.name}: module ${module.name} not added: ${error.message}`);
    });
  }
  await Deno.writeTextFile(marker, new Date().toISOString());
  return home;
}

/**
 * Only what the JVM needs. ES 6 sets the CMS collector unconditionally, and JDK 15+ refuses to
 * start with it ("Unrecognized VM option 'UseConcMarkSweepGC'"); 6.2+ understands version
 * prefixes, so CMS is kept for JDK 8-13 and G1 used from 14 on, as ES 7 does.
 */
async function patchJvmOptions(spec: NodeSpec, home: string): Promise<void> {
  if (spec.name !== "es6") return;
  const path = `${home}/config/jvm.options`;
  const text = await Deno.readTextFile(path);
  const patched = text.replace(
    /^(-XX:\+UseConcMarkSweepGC|-XX:CMSInitiatingOccupancyFraction=75|-XX:\+UseCMSInitiatingOccupancyOnly)$/gm,
    "8-13:$1",
  ) + "\n14-:-XX:+UseG1GC\n";
  await Deno.writeTextFile(path, patched);
}

/**
 * Builds `modules/<name>` from the module's client jar and those of its dependencies that the
 * node's `lib/` does not already have (a duplicate jar aborts startup: "jar hell").
 */
async function addModule(spec: NodeSpec, home: string, module: ExtraModule): Promise<void> {
  const jars = `${nodeDir(spec.name)}/module-${module.name}-jars`;
  await Deno.remove(jars, { recursive: true }).catch(() => {});
  await copyWithDependencies(
    module.artifact,
    jars,
    `${nodeDir(spec.name)}/module-${module.name}-pom`,
  );
  const libArtifacts = new Set([...Deno.readDirSync(`${home}/lib`)].map((e) => artifactOf(e.name)));
  const target = `${home}/modules/${module.name}`;
  await Deno.mkdir(target, { recursive: true });
  for (const jar of Deno.readDirSync(jars)) {
    if (!libArtifacts.has(artifactOf(jar.name))) {
      await Deno.copyFile(`${jars}/${jar.name}`, `${target}/${jar.name}`);
    }
  }
  const template = await Deno.readTextFile(
    `${home}/modules/transport-netty4/plugin-descriptor.properties`,
  );
  const descriptor = template
    .replace(/^name=.*$/m, `name=${module.name}`)
    .replace(
      /^description=.*$/m,
      `description=${module.name} (added by the Fetch Migration harness)`,
    )
    .replace(/^classname=.*$/m, `classname=${module.classname}`);
  await Deno.writeTextFile(`${target}/plugin-descriptor.properties`, descriptor);
  await Deno.writeTextFile(`${target}/plugin-security.policy`, module.policy);
  await Deno.remove(jars, { recursive: true });
}

/** `httpclient-4.5.14.jar` → `httpclient`. */
function artifactOf(jar: string): string {
  return jar.replace(/-\d[\w.-]*\.jar$/, "");
}

function yamlLine(key: string, value: unknown): string {
  return `${key}: ${JSON.stringify(value)}`;
}

async function writeConfig(spec: NodeSpec, home: string): Promise<string> {
  const dir = nodeDir(spec.name);
  const config = `${dir}/config`;
  await Deno.mkdir(config, { recursive: true });
  for (const file of Deno.readDirSync(`${home}/config`)) {
    if (file.isFile && !(await exists(`${config}/${file.name}`))) {
      await Deno.copyFile(`${home}/config/${file.name}`, `${config}/${file.name}`);
    }
  }
  const installed = new Set([...Deno.readDirSync(`${home}/modules`)].map((e) => e.name));
  const moduleSettings = spec.extraModules
    .filter((module) => installed.has(module.name))
    .reduce((all, module) => ({ ...all, ...module.settings }), {});
  const port = nodePort(spec.name);
  const settings: Record<string, unknown> = {
    "cluster.name": `fm-${spec.name}`,
    "node.name": `fm-${spec.name}-0`,
    "network.host": "127.0.0.1",
    "http.port": port,
    // ES 6 names it transport.tcp.port; transport.port arrived in 7.0.
    [spec.name === "es6" ? "transport.tcp.port" : "transport.port"]: port + 10_000,
    "discovery.type": "single-node",
    "path.data": `${dir}/data`,
    "path.logs": `${dir}/logs`,
    // Test machines may have little free disk; watermarks would turn indices read-only.
    "cluster.routing.allocation.disk.threshold_enabled": false,
    ...spec.settings,
    ...moduleSettings,
  };
  const file = spec.product === "elasticsearch" ? "elasticsearch.yml" : "opensearch.yml";
  const lines = Object.entries(settings).map(([key, value]) => yamlLine(key, value));
  await Deno.writeTextFile(
    `${config}/${file}`,
    `# written by the Fetch Migration harness\n${lines.join("\n")}\n`,
  );
  return config;
}

/** Where a node's own log is, for failure messages. */
function logFiles(name: NodeName): string[] {
  const dir = nodeDir(name);
  return [`${dir}/logs/fm-${name}.log`, `${dir}/logs/fm-${name}_server.json`, `${dir}/stdout.log`];
}

/** Last lines of the node's logs, to explain a failed start. */
export async function logTail(name: NodeName, lines = 40): Promise<string> {
  const parts: string[] = [];
  for (const file of logFiles(name)) {
    try {
      const text = await Deno.readTextFile(file);
      parts.push(
        `--- ${file} (last ${lines} lines)\n${text.trimEnd().split("\n").slice(-lines).join("\n")}`,
      );
    } catch {
      // That log does not exist for this product or version.
    }
  }
  return parts.join("\n") || "(no log written)";
}

async function readPid(name: NodeName): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(`${nodeDir(name)}/node.pid`)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** Starts a node detached (it outlives the calling process) and returns at once. */
async function launch(spec: NodeSpec): Promise<void> {
  await ensureNodeUser();
  const home = await unpack(spec);
  const config = await writeConfig(spec, home);
  const dir = nodeDir(spec.name);
  for (const sub of ["data", "logs", "tmp"]) await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  await Deno.remove(`${dir}/node.pid`).catch(() => {});
  const java = javaHome(spec.java);
  if (!(await exists(`${java}/bin/java`))) {
    throw new Error(
      `${spec.name} needs Java ${spec.java} at ${java}; install it or set FM_JAVA${spec.java}_HOME`,
    );
  }
  await run("chown", ["-R", `${NODE_USER}:`, dir], `chown ${dir}`);
  const prefix = spec.product === "elasticsearch" ? "ES" : "OPENSEARCH";
  const env = [
    `PATH=/usr/bin:/bin`,
    `JAVA_HOME=${java}`,
    `${prefix}_JAVA_HOME=${java}`,
    `${prefix}_PATH_CONF=${config}`,
    `${prefix}_JAVA_OPTS=-Xms${spec.heap ?? "512m"} -Xmx${spec.heap ?? "512m"}`,
    `${prefix}_TMPDIR=${dir}/tmp`,
  ];
  const launcher = `${home}/bin/${spec.product}`;
  const quoted = [
    "runuser",
    "-u",
    NODE_USER,
    "--",
    "env",
    "-i",
    ...env,
    launcher,
    "-p",
    `${dir}/node.pid`,
  ].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(" ");
  // setsid -f: a new session, so the node survives the harness and Ctrl-C of the caller.
  await run(
    "setsid",
    ["-f", "sh", "-c", `cd '${home}' && exec ${quoted} > '${dir}/stdout.log' 2>&1 < /dev/null`],
    `starting ${spec.name}`,
  );
}

/** Waits for yellow health; throws with the log tail if the node dies or takes too long. */
async function waitHealthy(spec: NodeSpec): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const started = Date.now();
  while (Date.now() < deadline) {
    try {
      const response = await fetch(
        `${nodeUrl(spec.name)}/_cluster/health?wait_for_status=yellow&timeout=1s`,
        { signal: AbortSignal.timeout(5000) },
      );
      const body = await response.json();
      if (response.ok && body.status !== "red") return;
    } catch {
      // Not listening yet.
    }
    const pid = await readPid(spec.name);
    // The pid file appears only once the JVM is up; before that give the launcher 60 s.
    if (
      (pid !== undefined && !alive(pid)) ||
      (pid === undefined && Date.now() - started > 60_000 && !(await launcherRunning(spec.name)))
    ) {
      throw new Error(`${spec.name} exited during startup\n${await logTail(spec.name)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(
    `${spec.name} did not reach yellow health within ${START_TIMEOUT_MS / 1000} s\n${await logTail(
      spec.name,
    )}`,
  );
}

async function launcherRunning(name: NodeName): Promise<boolean> {
  const out = await new Deno.Command("pgrep", { args: ["-f", `${nodeDir(name)}/`], stdout: "null" })
    .output();
  return out.success;
}

/** Result of bringing one node up. */
export interface NodeStart {
  node: RunningNode;
  /** Seconds from launch to yellow health; 0 when a running node was reused. */
  startupSeconds: number;
  reused: boolean;
}

/** Starts a node, or reuses it when our node already answers on its port. */
export async function startNode(name: NodeName): Promise<NodeStart> {
  const spec = NODE_SPECS[name];
  const running = await probe(name);
  if (running) {
    if (running.clusterName !== `fm-${name}` || running.version !== spec.version) {
      throw new Error(
        `port ${nodePort(name)} is taken by ${running.distribution} ${running.version} ` +
          `(cluster "${running.clusterName}"), not the harness's ${name}; stop it or set ` +
          `FM_TEST_PORT_${name.toUpperCase()}`,
      );
    }
    return { node: running, startupSeconds: 0, reused: true };
  }
  const started = Date.now();
  await launch(spec);
  await waitHealthy(spec);
  const node = await probe(name);
  if (!node) throw new Error(`${name} became healthy, then stopped answering`);
  return { node, startupSeconds: (Date.now() - started) / 1000, reused: false };
}

/** Stops a node the harness started (by its pid file); nothing else is touched. */
export async function stopNode(name: NodeName): Promise<"stopped" | "not running"> {
  const pid = await readPid(name);
  if (pid === undefined || !alive(pid)) return "not running";
  Deno.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 60 && alive(pid); waited++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (alive(pid)) Deno.kill(pid, "SIGKILL");
  await Deno.remove(`${nodeDir(name)}/node.pid`).catch(() => {});
  return "stopped";
}

/** Names of the modules a running node has loaded. */
export async function nodeModules(name: NodeName): Promise<string[]> {
  const response = await fetch(`${nodeUrl(name)}/_nodes/plugins`);
  const body = await response.json();
  const nodes = Object.values(body.nodes ?? {}) as Array<{ modules?: Array<{ name: string }> }>;
  return (nodes[0]?.modules ?? []).map((module) => module.name).sort();
}

/** Pid of a running node the harness started, if any. */
export async function runningPid(name: NodeName): Promise<number | undefined> {
  const pid = await readPid(name);
  return pid !== undefined && alive(pid) ? pid : undefined;
}
