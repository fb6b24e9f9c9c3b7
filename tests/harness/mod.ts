/**
 * What integration tests import: `ensureNodes` brings up (or reuses) the named real nodes and
 * returns how to reach them.
 */
import {
  CLUSTERS_DIR,
  harnessPki,
  NODE_SPECS,
  nodeModules,
  type NodeName,
  nodeUrl,
  startNode,
} from "./nodes.ts";
import { proxyStatus as statusOf, startProxy, stopProxy } from "./proxy.ts";

export { nodeUrl } from "./nodes.ts";
export type { NodeName } from "./nodes.ts";

/** Name of the nginx TLS + basic-auth proxy in front of os2. */
export const PROXY_NAME = "proxy";
const PROXY_DIR = `${CLUSTERS_DIR}proxy`;

/** How a test reaches one node. */
export interface NodeHandle {
  name: string;
  url: string;
  port: number;
  distribution: "elasticsearch" | "opensearch";
  version: string;
  /** Modules the node has loaded (from `_nodes/plugins`). */
  modules: string[];
  /** Proxy and secured nodes: the CA that signed its certificate. */
  caPath?: string;
  /** Proxy only: basic-auth credentials. */
  username?: string;
  password?: string;
}

/** Port of the proxy: 19443, or `FM_TEST_PORT_PROXY`. */
export function proxyPort(): number {
  return Number(Deno.env.get("FM_TEST_PORT_PROXY") ?? 19443);
}

/** Starts (or reuses) the proxy in front of os2. */
export function startTestProxy(): ReturnType<typeof startProxy> {
  return startProxy({ dir: PROXY_DIR, port: proxyPort(), upstreamUrl: nodeUrl("os2") });
}

/** Stops the proxy if the harness started it. */
export function stopTestProxy(): Promise<void> {
  return stopProxy(PROXY_DIR);
}

/** Whether the proxy runs. */
export function proxyStatus(): Promise<"running" | "stopped"> {
  return statusOf(PROXY_DIR);
}

/**
 * Brings up the named nodes (and os2 for the proxy), reusing running ones. Throws with the
 * node's log tail when one cannot start: a missing prerequisite fails loudly, never skips.
 */
export async function ensureNodes(
  names: Array<NodeName | "proxy">,
): Promise<Record<string, NodeHandle>> {
  const nodes = names.filter((name): name is NodeName => name !== PROXY_NAME);
  if (names.includes(PROXY_NAME) && !nodes.includes("os2")) nodes.push("os2");
  const handles: Record<string, NodeHandle> = {};
  await Promise.all(nodes.map(async (name) => {
    const { node } = await startNode(name);
    handles[name] = {
      name,
      url: node.url,
      port: Number(new URL(node.url).port),
      distribution: node.distribution,
      version: node.version,
      modules: await nodeModules(name),
      ...(NODE_SPECS[name].security ? { caPath: (await harnessPki()).ca } : {}),
    };
  }));
  if (names.includes(PROXY_NAME)) {
    const proxy = await startTestProxy();
    handles[PROXY_NAME] = {
      ...handles.os2,
      name: PROXY_NAME,
      url: proxy.url,
      port: proxyPort(),
      caPath: proxy.caPath,
      username: proxy.username,
      password: proxy.password,
    };
  }
  return handles;
}
