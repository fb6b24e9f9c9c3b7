/**
 * `deno task clusters up|down|status [name...]`: the real test nodes (es6 es7 es8 os1 os2 os3),
 * the TLS proxy in front of os2, and Toxiproxy (the network-fault tests' proxy, built with Go
 * once). `up` starts what is missing, reuses what runs, and exits non-zero naming every node
 * that failed and why; `down` stops all of it.
 */
import {
  foreignReason,
  NODE_NAMES,
  nodeModules,
  type NodeName,
  probe,
  runningPid,
  startNode,
  stopNode,
} from "./nodes.ts";
import { PROXY_NAME, proxyStatus, startTestProxy, stopTestProxy } from "./mod.ts";
import { startToxiproxy, stopToxiproxy, TOXIPROXY_VERSION, toxiproxyStatus } from "./toxiproxy.ts";
import { stopSigV4Checks } from "./sigv4.ts";

const TOXIPROXY = "toxiproxy";
type Name = NodeName | typeof PROXY_NAME | typeof TOXIPROXY;
const ALL: readonly Name[] = [...NODE_NAMES, PROXY_NAME, TOXIPROXY];

function parseNames(args: string[]): Name[] {
  const unknown = args.filter((arg) => !ALL.includes(arg as Name));
  if (unknown.length > 0) {
    console.error(`unknown node ${unknown.join(", ")}; known: ${ALL.join(" ")}`);
    Deno.exit(2);
  }
  return args.length > 0 ? args as Name[] : [...ALL];
}

function isNode(name: Name): name is NodeName {
  return name !== PROXY_NAME && name !== TOXIPROXY;
}

async function up(names: Name[]): Promise<boolean> {
  const nodes = names.filter(isNode);
  // The proxy fronts os2, so it needs os2 whether or not it was named.
  if (names.includes(PROXY_NAME) && !nodes.includes("os2")) nodes.push("os2");
  const failures: string[] = [];
  // Built (once, up to a minute) while the nodes start; needs nothing of theirs.
  const toxiproxy = names.includes(TOXIPROXY)
    ? startToxiproxy().then(
      (client) => console.log(`${TOXIPROXY} ${TOXIPROXY_VERSION}, API at ${client.url}`),
      (error) => failures.push(`${TOXIPROXY}: ${error instanceof Error ? error.message : error}`),
    )
    : Promise.resolve();
  await Promise.all(nodes.map(async (name) => {
    try {
      const { node, startupSeconds, reused } = await startNode(name);
      const modules = await nodeModules(name);
      console.log(
        `${name.padEnd(5)} ${node.distribution} ${node.version} at ${node.url} ` +
          `${reused ? "(already running)" : `started in ${startupSeconds.toFixed(1)} s`}; ` +
          `modules: ${modules.join(", ") || "none"}`,
      );
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : error}`);
    }
  }));
  if (names.includes(PROXY_NAME)) {
    if (failures.some((failure) => failure.startsWith("os2:"))) {
      failures.push(`${PROXY_NAME}: not started because os2 is not up`);
    } else {
      try {
        const proxy = await startTestProxy();
        console.log(`proxy nginx HTTPS + basic auth at ${proxy.url} -> os2 (CA ${proxy.caPath})`);
      } catch (error) {
        failures.push(`${PROXY_NAME}: ${error instanceof Error ? error.message : error}`);
      }
    }
  }
  await toxiproxy;
  for (const failure of failures) console.error(`FAILED ${failure}`);
  return failures.length === 0;
}

async function status(names: Name[]): Promise<void> {
  for (const name of names) {
    if (name === PROXY_NAME) {
      console.log(`${name.padEnd(5)} ${await proxyStatus()}`);
      continue;
    }
    if (name === TOXIPROXY) {
      console.log(`${name} ${await toxiproxyStatus()}`);
      continue;
    }
    const [node, pid] = await Promise.all([probe(name), runningPid(name)]);
    if (!node) {
      console.log(`${name.padEnd(5)} stopped`);
      continue;
    }
    const foreign = foreignReason(node);
    console.log(
      `${name.padEnd(5)} running ${node.distribution} ${node.version} at ${node.url}` +
        (foreign ? ` (not ours: ${foreign})` : pid ? ` (pid ${pid})` : " (pid file missing)"),
    );
  }
}

async function down(names: Name[]): Promise<void> {
  if (names.includes(PROXY_NAME)) {
    await stopTestProxy();
    console.log(`${PROXY_NAME.padEnd(5)} stopped`);
  }
  if (names.includes(TOXIPROXY)) console.log(`${TOXIPROXY} ${await stopToxiproxy()}`);
  // The SigV4 checking endpoints (started by the tests that use them) front es7 and os2.
  if (names.includes("es7") || names.includes("os2")) {
    await stopSigV4Checks();
    console.log("sigv4 checks stopped");
  }
  await Promise.all(
    names.filter(isNode).map(async (name) => {
      console.log(`${name.padEnd(5)} ${await stopNode(name)}`);
    }),
  );
}

if (import.meta.main) {
  const [verb, ...rest] = Deno.args;
  const names = parseNames(rest);
  if (verb === "up") {
    Deno.exit((await up(names)) ? 0 : 1);
  } else if (verb === "down") {
    await down(names);
  } else if (verb === "status") {
    await status(names);
  } else {
    console.error(
      "usage: deno task clusters up|down|status [es6 es7 es8 os1 os2 os3 es8sec os2sec proxy " +
        "toxiproxy]",
    );
    Deno.exit(2);
  }
}
