/**
 * Real Elasticsearch and OpenSearch single nodes for the tests, from the distributions Maven
 * Central publishes: download (cached by Maven), unpack into `.test-clusters/<name>/`, configure,
 * start detached as an unprivileged user on loopback, wait for health, stop.
 */
import { exists, run, withLock } from "./shell.ts";
import { copyArtifact, copyWithDependencies } from "./maven.ts";
import {
  addSecurityAnalysisModule,
  type AdminAccess,
  adminAccess,
  elasticPassword,
  ensurePki,
  installSecurityPlugin,
  type Pki,
  securedSettings,
  type Security,
  setBootstrapPassword,
} from "./secured.ts";

/** Names of the test nodes (the proxy is handled by proxy.ts). */
export type NodeName = "es6" | "es7" | "es8" | "os1" | "os2" | "os3" | "es8sec" | "os2sec";

/** Every node name, in the order `up` starts them. */
export const NODE_NAMES: readonly NodeName[] = [
  "es6",
  "es7",
  "es8",
  "os1",
  "os2",
  "os3",
  "es8sec",
  "os2sec",
];

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
  /** Secured nodes: HTTPS only, and every request authenticated (secured.ts). */
  security?: Security;
  /** Maven coordinates of plugin zips installed with the product's plugin tool. */
  pluginZip?: string;
}

/** A module the integ-test zip lacks, rebuilt from the jars Maven Central publishes. */
export interface ExtraModule {
  name: string;
  /** Maven coordinates of the module jar; its runtime dependencies come along. */
  artifact: string;
  classname: string;
  /** Settings that only make sense (and only start) when the module is there. */
  settings: Record<string, unknown>;
  /** The module's plugin-security.policy, for modules that need permissions. */
  policy?: string;
  /** Modules this one extends (descriptor `extended.plugins`); they must be listed before it. */
  extendedPlugins?: string[];
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

// From OpenSearch's modules/lang-painless/src/main/plugin-metadata/plugin-security.policy.
const PAINLESS_POLICY = `grant {
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
`;

function reindexModule(version: string): ExtraModule {
  return {
    name: "reindex",
    artifact: `org.opensearch.plugin:reindex-client:${version}`,
    classname: "org.opensearch.index.reindex.ReindexPlugin",
    settings: { "reindex.remote.allowlist": ["127.0.0.1:*", "localhost:*"] },
    policy: REINDEX_POLICY,
  };
}

/** `scaled_float`, `token_count`, `rank_feature(s)`, `search_as_you_type`: no settings, no policy. */
function mapperExtrasModule(version: string): ExtraModule {
  return {
    name: "mapper-extras",
    artifact: `org.opensearch.plugin:mapper-extras-client:${version}`,
    classname: "org.opensearch.index.mapper.MapperExtrasPlugin",
    settings: {},
  };
}

/** Painless scripting; analysis-common extends it, so it comes first when both are wanted. */
function painlessModule(version: string): ExtraModule {
  return {
    name: "lang-painless",
    artifact: `org.opensearch.plugin:lang-painless:${version}`,
    classname: "org.opensearch.painless.PainlessPlugin",
    settings: {},
    policy: PAINLESS_POLICY,
  };
}

/**
 * Ingest processors (append, set, grok...): OpenSearch 2.19's integ-test zip lacks them; the
 * ingest pipeline tests read from os2 with them. Extends lang-painless (the script processor).
 */
function ingestCommonModule(version: string): ExtraModule {
  return {
    name: "ingest-common",
    artifact: `org.opensearch.plugin:ingest-common:${version}`,
    classname: "org.opensearch.ingest.common.IngestCommonPlugin",
    settings: {},
    extendedPlugins: ["lang-painless"],
  };
}

/** A module of OpenSearch's own (no settings, no policy), from its jar on Maven Central. */
function plainModule(name: string, artifact: string, classname: string): ExtraModule {
  return { name, artifact, classname, settings: {} };
}

/**
 * Not installed by default: tests rely on os2 lacking it (an `ngram` tokenizer is the target
 * rejection in the metadata rollback test). Needs `painlessModule` before it in the list.
 */
export function analysisCommonModule(version: string): ExtraModule {
  return {
    name: "analysis-common",
    artifact: `org.opensearch.plugin:analysis-common:${version}`,
    classname: "org.opensearch.analysis.common.CommonAnalysisPlugin",
    settings: {},
    extendedPlugins: ["lang-painless"],
  };
}

/** The six test nodes (README, Tests and the test nodes). */
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
    // Only mapper-extras: os1 is a source, and Central has no analysis-common jar for 1.3.20.
    extraModules: [mapperExtrasModule("1.3.20")],
  },
  os2: {
    name: "os2",
    product: "opensearch",
    version: "2.19.6",
    artifact: "org.opensearch.distribution.integ-test-zip:opensearch:2.19.6:zip",
    defaultPort: 19302,
    java: "17",
    settings: {},
    extraModules: [
      reindexModule("2.19.6"),
      mapperExtrasModule("2.19.6"),
      painlessModule("2.19.6"),
      ingestCommonModule("2.19.6"),
      // For the shapes a source must be able to hold: join fields, percolator queries, geo_shape.
      plainModule(
        "parent-join",
        "org.opensearch.plugin:parent-join-client:2.19.6",
        "org.opensearch.join.ParentJoinPlugin",
      ),
      plainModule(
        "percolator",
        "org.opensearch.plugin:percolator-client:2.19.6",
        "org.opensearch.percolator.PercolatorPlugin",
      ),
      plainModule("geo", "org.opensearch.plugin:geo:2.19.6", "org.opensearch.geo.GeoModulePlugin"),
    ],
  },
  os3: {
    name: "os3",
    product: "opensearch",
    version: "3.6.0",
    artifact: "org.opensearch.distribution.integ-test-zip:opensearch:3.6.0:zip",
    defaultPort: 19303,
    // OpenSearch 3 needs Java 21+; the machine has Temurin 25, supported from 3.5.
    java: "25",
    // A write pool of one thread and four queued tasks: the backfill test's 429 storm comes from
    // the real node, not a stub. One-request writes of the other tests fit easily. Requests of
    // 10 MB at most (the default is 100 MB, as big as the sources take): a document larger than
    // the target accepts can be made on a source.
    settings: {
      "thread_pool.write.size": 1,
      "thread_pool.write.queue_size": 4,
      "http.max_content_length": "10mb",
    },
    extraModules: [],
  },
  // The secured pair (README, Secured nodes). ES 8's own security with the same integ-test zip;
  // OpenSearch 2.19.4, the newest release Maven Central has the security plugin for.
  es8sec: {
    name: "es8sec",
    product: "elasticsearch",
    version: "8.19.21",
    artifact: "org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.19.21:zip",
    defaultPort: 19218,
    java: "17",
    settings: {},
    extraModules: [],
    security: "elasticsearch",
  },
  os2sec: {
    name: "os2sec",
    product: "opensearch",
    version: "2.19.4",
    artifact: "org.opensearch.distribution.integ-test-zip:opensearch:2.19.4:zip",
    defaultPort: 19312,
    java: "17",
    settings: {},
    extraModules: [],
    security: "opensearch-security",
    pluginZip: "org.opensearch.plugin:opensearch-security:2.19.4.0:zip",
  },
};

/**
 * Root of everything the harness writes (git-ignored). When `.test-clusters` is a link to another
 * checkout's (a worktree sharing its nodes), the real path: the harness recognises its nginx and
 * Toxiproxy by the paths on their command lines, and both checkouts must name them alike.
 */
export const CLUSTERS_DIR = realDirectory(
  decodeURIComponent(new URL("../../.test-clusters/", import.meta.url).pathname),
);

/** `path` (ending in a slash) with its links resolved; as given while it does not exist. */
function realDirectory(path: string): string {
  try {
    return `${Deno.realPathSync(path)}/`;
  } catch {
    return path;
  }
}
const DIST_DIR = `${CLUSTERS_DIR}dist`;
/** Unprivileged user the nodes run as: Elasticsearch and OpenSearch refuse to run as root. */
export const NODE_USER = "fmtest";
/**
 * A start may take this long while the node's log still grows: eight JVMs starting at once on two
 * cores took up to 240 s each in CI, and the security plugin's first start more than 300 s.
 */
const START_TIMEOUT_MS = 900_000;
/** A start whose log has not grown for this long is stuck. */
const START_STALL_MS = 180_000;

/** HTTP port of a node: the fixed default, or `FM_TEST_PORT_<NAME>`. */
export function nodePort(name: NodeName): number {
  const override = Deno.env.get(`FM_TEST_PORT_${name.toUpperCase()}`);
  return override ? Number(override) : NODE_SPECS[name].defaultPort;
}

/**
 * Transport port of a node: HTTP port + 10 000 (29206-29303 by default), clear of every HTTP
 * port. Fixed rather than ES's default 9300-9400 range so that other nodes on the machine do
 * not matter.
 */
export function transportPort(name: NodeName): number {
  return nodePort(name) + 10_000;
}

/** Base URL of a node: HTTPS for the secured ones. */
export function nodeUrl(name: NodeName): string {
  const scheme = NODE_SPECS[name].security ? "https" : "http";
  return `${scheme}://127.0.0.1:${nodePort(name)}`;
}

/** The harness's certificates (made on first use). */
export function harnessPki(): Promise<Pki> {
  return ensurePki(`${CLUSTERS_DIR}pki`);
}

/** The `elastic` password of the secured Elasticsearch. */
export function harnessElasticPassword(): Promise<string> {
  return elasticPassword(`${CLUSTERS_DIR}pki`);
}

const adminAccesses = new Map<NodeName, Promise<AdminAccess>>();

/**
 * `fetch` of a node's path as the harness: plain for the open nodes, as the administrator
 * through the harness CA for the secured ones.
 */
export async function nodeFetch(
  name: NodeName,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const security = NODE_SPECS[name].security;
  if (!security) return await fetch(`${nodeUrl(name)}${path}`, init);
  let access = adminAccesses.get(name);
  if (!access) {
    access = (async () =>
      adminAccess(security, await harnessPki(), await harnessElasticPassword()))();
    adminAccesses.set(name, access);
  }
  const { client, headers } = await access;
  return await fetch(`${nodeUrl(name)}${path}`, {
    ...init,
    client,
    headers: { ...headers, ...Object.fromEntries(new Headers(init.headers)) },
  });
}

function javaHome(java: NodeSpec["java"]): string {
  return java === "17"
    ? Deno.env.get("FM_JAVA17_HOME") ?? "/usr/lib/jvm/java-17-openjdk-amd64"
    : Deno.env.get("FM_JAVA25_HOME") ?? "/usr/lib/jvm/temurin-25-jdk-amd64";
}

/** The exact fix for a missing JDK. */
export function missingJavaMessage(spec: NodeSpec, java: string): string {
  const fix = spec.java === "17"
    ? "apt-get install -y openjdk-17-jdk-headless"
    : "unpack a Temurin 25 (or any JDK 21+) there";
  return `${spec.name} needs Java ${spec.java}, and ${java}/bin/java does not exist; fix: ${fix}, ` +
    `or set FM_JAVA${spec.java}_HOME to a JDK ${spec.java} directory`;
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
  /** The node's `path.home`: tells our node from the same harness's node of another checkout. */
  home: string;
}

/**
 * Asks the node's port who is there; `undefined` when nothing answers. Reads `_nodes/_local`
 * rather than `GET /`: the ES 8 integ-test zip lacks the rest-root module that serves `/`.
 */
export async function probe(name: NodeName): Promise<RunningNode | undefined> {
  try {
    const response = await nodeFetch(
      name,
      "/_nodes/_local?filter_path=cluster_name,nodes.*.version," +
        "nodes.*.build_flavor,nodes.*.settings.path.home",
      { signal: AbortSignal.timeout(3000) },
    );
    const body = await response.json();
    const [node] = Object.values(body.nodes) as Array<
      { version: string; build_flavor?: string; settings?: { path?: { home?: string } } }
    >;
    // Elasticsearch reports a build flavor (and 7.14+ the product header); OpenSearch neither.
    const elastic = response.headers.has("x-elastic-product") || node.build_flavor !== undefined;
    return {
      name,
      url: nodeUrl(name),
      version: node.version,
      distribution: elastic ? "elasticsearch" : "opensearch",
      clusterName: body.cluster_name,
      home: node.settings?.path?.home ?? "",
    };
  } catch {
    return undefined;
  }
}

/** Why the node answering on `name`'s port is not ours, or `undefined` when it is. */
export function foreignReason(node: RunningNode): string | undefined {
  const spec = NODE_SPECS[node.name];
  const what = `${node.distribution} ${node.version} (cluster "${node.clusterName}")`;
  if (node.clusterName !== `fm-${node.name}` || node.version !== spec.version) {
    return `port ${nodePort(node.name)} is taken by ${what}, not the harness's ${node.name}; ` +
      "stop that node";
  }
  if (!sameDirectory(node.home, `${nodeDir(node.name)}/home`)) {
    return `port ${nodePort(node.name)} is taken by the ${node.name} of another checkout ` +
      `(${node.home}); stop it with \`deno task clusters down\` there`;
  }
  return undefined;
}

function sameDirectory(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return Deno.realPathSync(path);
    } catch {
      return path.replace(/\/+$/, "");
    }
  };
  return real(a) === real(b);
}

/** Creates the nodes' user once per process: eight nodes start at once, and two `useradd`s race. */
function ensureNodeUser(): Promise<void> {
  nodeUserReady ??= createNodeUser();
  nodeUserReady.catch(() => nodeUserReady = undefined);
  return nodeUserReady;
}

let nodeUserReady: Promise<void> | undefined;

async function createNodeUser(): Promise<void> {
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
  // Belt and braces: a zip repacked by another tool would have lost the modes.
  await run("sh", ["-c", `chmod +x '${home}'/bin/*`], `chmod ${home}/bin`);
  await patchJvmOptions(spec, home);
  await Deno.writeTextFile(marker, new Date().toISOString());
  return home;
}

/**
 * Adds the spec's modules that the home does not have yet. Retried at every start, so a failure
 * (say, Maven Central unreachable) costs nothing but a message: the node starts without it and
 * the handle's module list tells tests the truth.
 */
async function addMissingModules(spec: NodeSpec, home: string): Promise<void> {
  for (const module of spec.extraModules) {
    if (await exists(`${home}/modules/${module.name}/plugin-descriptor.properties`)) continue;
    let missingBase: string | undefined;
    for (const base of module.extendedPlugins ?? []) {
      if (!(await exists(`${home}/modules/${base}/plugin-descriptor.properties`))) {
        missingBase = base;
      }
    }
    if (missingBase) {
      console.error(`${spec.name}: module ${module.name} not added: it extends ${missingBase}`);
      continue;
    }
    try {
      await addModule(spec, home, module);
    } catch (error) {
      await Deno.remove(`${home}/modules/${module.name}`, { recursive: true }).catch(() => {});
      console.error(
        `${spec.name}: module ${module.name} not added: ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
  }
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
  // An extending module shares the class loader of the one it extends, so its jars count too.
  const provided = [
    `${home}/lib`,
    ...(module.extendedPlugins ?? []).map((m) => `${home}/modules/${m}`),
  ];
  const libArtifacts = new Set(
    provided.flatMap((dir) => [...Deno.readDirSync(dir)].map((e) => artifactOf(e.name))),
  );
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
    .replace(/^classname=.*$/m, `classname=${module.classname}`)
    .replace(
      /^extended\.plugins=.*$/m,
      `extended.plugins=${(module.extendedPlugins ?? []).join(",")}`,
    );
  if (module.policy) await Deno.writeTextFile(`${target}/plugin-security.policy`, module.policy);
  // The descriptor last: its presence is what marks the module as complete.
  await Deno.writeTextFile(`${target}/plugin-descriptor.properties`, descriptor);
  await Deno.remove(jars, { recursive: true });
  await Deno.remove(`${nodeDir(spec.name)}/module-${module.name}-pom`, { recursive: true })
    .catch(() => {});
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
    [spec.name === "es6" ? "transport.tcp.port" : "transport.port"]: transportPort(spec.name),
    "discovery.type": "single-node",
    "path.data": `${dir}/data`,
    "path.logs": `${dir}/logs`,
    // A shared-filesystem snapshot repository may live here (plan_scale_test builds its thousands
    // of indices by restoring snapshots: one cluster-state update for many indices).
    "path.repo": `${dir}/snapshots`,
    // Test machines may have little free disk; watermarks would turn indices read-only.
    "cluster.routing.allocation.disk.threshold_enabled": false,
    ...spec.settings,
    ...moduleSettings,
    ...(spec.security ? await securedSettings(spec.security, await harnessPki(), config) : {}),
  };
  const file = spec.product === "elasticsearch" ? "elasticsearch.yml" : "opensearch.yml";
  const lines = Object.entries(settings).map(([key, value]) => yamlLine(key, value));
  await Deno.writeTextFile(
    `${config}/${file}`,
    `# written by the Fetch Migration harness\n${lines.join("\n")}\n`,
  );
  return config;
}

/** Where a node's own log is, for failure messages (stdout has what fails before logging). */
function logFiles(name: NodeName): string[] {
  const dir = nodeDir(name);
  return [`${dir}/logs/fm-${name}.log`, `${dir}/stdout.log`];
}

/** Log sizes when this process last launched each node: failure tails show only that start. */
const logOffsets = new Map<NodeName, Map<string, number>>();

async function rememberLogOffsets(name: NodeName): Promise<void> {
  const offsets = new Map<string, number>();
  for (const file of logFiles(name)) {
    // stdout.log is truncated by every start; the node's own log is appended to.
    if (file.endsWith("/stdout.log")) continue;
    offsets.set(file, await Deno.stat(file).then((info) => info.size, () => 0));
  }
  logOffsets.set(name, offsets);
}

/** Last lines of the node's logs (of the latest start by this process), to explain a failure. */
export async function logTail(name: NodeName, lines = 40): Promise<string> {
  const parts: string[] = [];
  for (const file of logFiles(name)) {
    let text: string;
    try {
      const bytes = await Deno.readFile(file);
      text = new TextDecoder().decode(bytes.subarray(logOffsets.get(name)?.get(file) ?? 0));
    } catch {
      continue; // Not written (yet) by this product or version.
    }
    const tail = text.trimEnd().split("\n").slice(-lines).join("\n");
    parts.push(`--- ${file} (last ${lines} lines)\n${tail || "(nothing written by this start)"}`);
  }
  return parts.join("\n") || "(no log written)";
}

async function readPid(name: NodeName, file = "node.pid"): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(`${nodeDir(name)}/${file}`)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs; a zombie (exited, not yet reaped) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Starts a node detached (it outlives the calling process) and returns at once. */
async function launch(spec: NodeSpec): Promise<void> {
  await ensureNodeUser();
  const java = javaHome(spec.java);
  if (!(await exists(`${java}/bin/java`))) throw new Error(missingJavaMessage(spec, java));
  const home = await unpack(spec);
  await addMissingModules(spec, home);
  const config = await writeConfig(spec, home);
  await prepareSecurity(spec, home, config, java);
  const dir = nodeDir(spec.name);
  for (const sub of ["data", "logs", "tmp"]) await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  await Deno.remove(`${dir}/node.pid`).catch(() => {});
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
  await Deno.remove(`${dir}/launcher.pid`).catch(() => {});
  await rememberLogOffsets(spec.name);
  // setsid -f: a new session, so the node survives the harness and Ctrl-C of the caller.
  // launcher.pid is runuser's pid (exec keeps it); runuser waits for the node, so it dying
  // before the node is healthy means the start failed, even before the JVM wrote node.pid.
  await run(
    "setsid",
    [
      "-f",
      "sh",
      "-c",
      `echo $$ > '${dir}/launcher.pid' && cd '${home}' && ` +
      `exec ${quoted} > '${dir}/stdout.log' 2>&1 < /dev/null`,
    ],
    `starting ${spec.name}`,
  );
}

/** The secured nodes' one-time setup: the plugin and its files, or the `elastic` password. */
async function prepareSecurity(
  spec: NodeSpec,
  home: string,
  config: string,
  java: string,
): Promise<void> {
  if (spec.security === "elasticsearch") {
    await addSecurityAnalysisModule(home, spec.version, java);
    await setBootstrapPassword(home, config, await harnessElasticPassword(), java);
  } else if (spec.security === "opensearch-security" && spec.pluginZip) {
    const zip = await copyArtifact(spec.pluginZip, DIST_DIR);
    await installSecurityPlugin(home, config, zip, java);
  }
}

/** Waits for yellow health; throws with the log tail if the node dies, stalls or takes too long. */
async function waitHealthy(spec: NodeSpec): Promise<void> {
  const started = Date.now();
  let loggedBytes = -1;
  let lastGrowth = started;
  let lastAnswer = "no answer yet";
  while (true) {
    const health = await yellowHealth(spec.name);
    if (health === true) return;
    lastAnswer = health;
    await throwIfExited(spec, started);
    const size = await logSize(spec.name);
    if (size !== loggedBytes) [loggedBytes, lastGrowth] = [size, Date.now()];
    const stalled = Date.now() - lastGrowth > START_STALL_MS;
    if (stalled || Date.now() - started > START_TIMEOUT_MS) {
      const why = stalled
        ? `its log did not grow for ${START_STALL_MS / 1000} s`
        : `it was still starting after ${START_TIMEOUT_MS / 1000} s`;
      const tail = await logTail(spec.name);
      throw new Error(
        `${spec.name} did not reach yellow health: ${why}; its last answer: ${lastAnswer}\n${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** True at yellow or green; otherwise what the node answered, for the failure message. */
async function yellowHealth(name: NodeName): Promise<true | string> {
  try {
    const response = await nodeFetch(
      name,
      "/_cluster/health?wait_for_status=yellow&timeout=1s",
      { signal: AbortSignal.timeout(5000) },
    );
    const text = await response.text();
    if (response.ok && JSON.parse(text).status !== "red") return true;
    return `HTTP ${response.status} ${text.slice(0, 200)}`;
  } catch (error) {
    return `no answer (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function throwIfExited(spec: NodeSpec, started: number): Promise<void> {
  // node.pid appears only once the JVM runs; until then the launcher's life is the signal.
  const nodePid = await readPid(spec.name);
  const launcherPid = await readPid(spec.name, "launcher.pid");
  const launcherGone = launcherPid === undefined
    ? Date.now() - started > 10_000
    : !alive(launcherPid);
  const nodeAlive = nodePid !== undefined && alive(nodePid);
  if (!nodeAlive && (nodePid !== undefined || launcherGone)) {
    throw new Error(`${spec.name} exited during startup\n${await logTail(spec.name)}`);
  }
}

/** Bytes in the node's log files: growth means the start is still making progress. */
async function logSize(name: NodeName): Promise<number> {
  let total = 0;
  for (const file of logFiles(name)) {
    try {
      total += (await Deno.stat(file)).size;
    } catch {
      // Not written (yet).
    }
  }
  return total;
}

/** Result of bringing one node up. */
export interface NodeStart {
  node: RunningNode;
  /** Seconds from launch to yellow health; 0 when a running node was reused. */
  startupSeconds: number;
  reused: boolean;
}

/**
 * Starts a node, or reuses it when our node already answers on its port. Starts of one node are
 * serialized across processes (`up` next to a test run): a second launch would fail on the data
 * directory lock, and on its way overwrite the running node's pid file.
 */
export function startNode(name: NodeName): Promise<NodeStart> {
  return withStartLock(name, () => startUnlocked(name));
}

async function withStartLock<T>(name: NodeName, body: () => Promise<T>): Promise<T> {
  await Deno.mkdir(CLUSTERS_DIR, { recursive: true });
  return await withLock(`${CLUSTERS_DIR}${name}.lock`, body);
}

async function startUnlocked(name: NodeName): Promise<NodeStart> {
  const spec = NODE_SPECS[name];
  const running = await probe(name);
  if (running) {
    const foreign = foreignReason(running);
    if (foreign) {
      throw new Error(`${foreign}; or set FM_TEST_PORT_${name.toUpperCase()} to another port`);
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
  // Without node.pid (a JVM stuck before writing it) runuser, which forwards SIGTERM, stands in.
  const pid = [await readPid(name), await readPid(name, "launcher.pid")]
    .find((candidate) => candidate !== undefined && alive(candidate));
  if (pid === undefined) return "not running";
  Deno.kill(pid, "SIGTERM");
  for (let waited = 0; waited < 60 && alive(pid); waited++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (alive(pid)) Deno.kill(pid, "SIGKILL");
  await Deno.remove(`${nodeDir(name)}/node.pid`).catch(() => {});
  await Deno.remove(`${nodeDir(name)}/launcher.pid`).catch(() => {});
  return "stopped";
}

/** Names of the modules a running node has loaded. */
export async function nodeModules(name: NodeName): Promise<string[]> {
  const response = await nodeFetch(name, "/_nodes/plugins");
  const body = await response.json();
  const nodes = Object.values(body.nodes ?? {}) as Array<{ modules?: Array<{ name: string }> }>;
  return (nodes[0]?.modules ?? []).map((module) => module.name).sort();
}

/** Pid of a running node the harness started, if any. */
export async function runningPid(name: NodeName): Promise<number | undefined> {
  const pid = await readPid(name);
  return pid !== undefined && alive(pid) ? pid : undefined;
}
