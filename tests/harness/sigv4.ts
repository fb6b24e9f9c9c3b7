/**
 * The SigV4 checking endpoints: `sigv4_check.py` (beside this file) run detached, one per
 * service, each recomputing every request's signature with botocore for the fixed credentials
 * below and forwarding what matches to a test node:
 * - `es`: service `es`, region eu-west-1, on 127.0.0.1:19481 (`FM_TEST_PORT_SIGV4_ES`), to es7;
 * - `aoss`: service `aoss`, region us-east-1, on 127.0.0.1:19482 (`FM_TEST_PORT_SIGV4_AOSS`),
 *   to os2.
 *
 * Each lives in `.test-clusters/sigv4-<name>/` (pid file, log, lock) and is reused while it
 * runs with the same script, settings and credentials (its stats carry a fingerprint of them),
 * else started afresh. botocore comes from the system's Python, else from PyPI into
 * `.test-clusters/python`; without it the SigV4 tests fail saying how to fix it, never skip.
 */
import { CLUSTERS_DIR, nodeUrl } from "./nodes.ts";
import { delay, onPath, portFree, withLock } from "./shell.ts";

/**
 * The fixed, fake credentials the endpoints accept, as the environment variables of the AWS
 * credential chain. `/`, `+` and `=` are in them as in real ones.
 */
export const SIGV4_TEST_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: "AKIAFMSIGV4CHECK0001",
  AWS_SECRET_ACCESS_KEY: "fmSigV4CheckSecret/0123456789+abcdefghijklmn",
  AWS_SESSION_TOKEN: "fmSigV4CheckSessionToken/AQoDYXdzEJr+test==",
} as const;

/** The two endpoints: which service and region each expects, and which node it fronts. */
export const SIGV4_CHECKS = {
  es: { service: "es", region: "eu-west-1", defaultPort: 19481, upstream: "es7" },
  aoss: { service: "aoss", region: "us-east-1", defaultPort: 19482, upstream: "os2" },
} as const;

/** One of the endpoints. */
export type SigV4CheckName = keyof typeof SIGV4_CHECKS;

/** What the endpoint counted since it started: every request but the stats' own is checked. */
export interface SigV4Stats {
  checked: number;
  accepted: number;
  refused: number;
  /** The last 20 refusals, `<request line>: <AWS's message>`. */
  last_refusals: string[];
}

/** A running endpoint. */
export interface SigV4Check {
  name: SigV4CheckName;
  /** `http://127.0.0.1:<port>`: give it as --source or --target. */
  url: string;
  port: number;
  service: "es" | "aoss";
  region: string;
  /** The node's URL requests are forwarded to. */
  upstreamUrl: string;
  /** Its counts now. */
  stats(): Promise<SigV4Stats>;
}

const SCRIPT = decodeURIComponent(new URL("./sigv4_check.py", import.meta.url).pathname);
/** Where botocore goes when the system's Python lacks it. */
export const PYTHON_DIR = `${CLUSTERS_DIR}python`;
const STATS_PATH = "/__sigv4_check/stats";
const START_TIMEOUT_MS = 15_000;

/** Port of an endpoint: its default, or `FM_TEST_PORT_SIGV4_<NAME>`. */
export function sigv4CheckPort(name: SigV4CheckName): number {
  const override = Deno.env.get(`FM_TEST_PORT_SIGV4_${name.toUpperCase()}`);
  return override ? Number(override) : SIGV4_CHECKS[name].defaultPort;
}

/** Starts both endpoints (or reuses them); the nodes behind them must be up already. */
export async function startSigV4Checks(): Promise<Record<SigV4CheckName, SigV4Check>> {
  const [es, aoss] = await Promise.all([startSigV4Check("es"), startSigV4Check("aoss")]);
  return { es, aoss };
}

/** Starts the endpoint `name` detached, or reuses ours when it runs as it would be started. */
export async function startSigV4Check(name: SigV4CheckName): Promise<SigV4Check> {
  const spec = SIGV4_CHECKS[name];
  const dir = dirOf(name);
  const port = sigv4CheckPort(name);
  const check: SigV4Check = {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    service: spec.service,
    region: spec.region,
    upstreamUrl: nodeUrl(spec.upstream),
    stats: async () => {
      const { checked, accepted, refused, last_refusals } = await statsOf(check.url);
      return { checked, accepted, refused, last_refusals };
    },
  };
  await Deno.mkdir(dir, { recursive: true });
  const pythonEnv = await ensureBotocore();
  const args = [
    SCRIPT,
    "--port",
    String(port),
    "--service",
    spec.service,
    "--region",
    spec.region,
    "--upstream",
    check.upstreamUrl,
    "--pid-file",
    `${dir}/server.pid`,
  ];
  const fingerprint = await sha256Hex(
    JSON.stringify([await Deno.readTextFile(SCRIPT), args, SIGV4_TEST_CREDENTIALS]),
  );
  return await withLock(`${dir}/start.lock`, async () => {
    const running = await statsOf(check.url).catch(() => undefined);
    if (running?.fingerprint === fingerprint) return check;
    if ((await ourPid(name)) !== undefined) {
      await stopSigV4Check(name);
    } else if (running !== undefined || !portFree(port)) {
      throw new Error(
        `port ${port} for the SigV4 check (${name}) is taken by another process (see ` +
          `\`ss -ltnp 'sport = :${port}'\`); stop it or set FM_TEST_PORT_SIGV4_` +
          `${name.toUpperCase()} to a free port`,
      );
    }
    await Deno.remove(`${dir}/server.pid`).catch(() => {});
    const log = `${dir}/server.log`;
    const quoted = ["python3", "-u", ...args].map(shellQuoted).join(" ");
    // setsid -f: a session of its own, so the test's end does not stop it and the next test
    // file reuses it. The credentials travel in the environment, never on a command line.
    const start = await new Deno.Command("setsid", {
      args: ["-f", "sh", "-c", `exec ${quoted} >> ${shellQuoted(log)} 2>&1 < /dev/null`],
      env: {
        ...pythonEnv,
        SIGV4_CHECK_ACCESS_KEY_ID: SIGV4_TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
        SIGV4_CHECK_SECRET_ACCESS_KEY: SIGV4_TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
        SIGV4_CHECK_SESSION_TOKEN: SIGV4_TEST_CREDENTIALS.AWS_SESSION_TOKEN,
        SIGV4_CHECK_FINGERPRINT: fingerprint,
      },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!start.success) {
      throw new Error(`starting ${SCRIPT} failed: ${new TextDecoder().decode(start.stderr)}`);
    }
    for (let waited = 0; waited < START_TIMEOUT_MS; waited += 100) {
      if ((await statsOf(check.url).catch(() => undefined))?.fingerprint === fingerprint) {
        console.error(`sigv4: checking ${spec.service} (${spec.region}) on ${check.url}`);
        return check;
      }
      await delay(100);
    }
    const tail = (await Deno.readTextFile(log).catch(() => "")).trim().split("\n").slice(-10);
    throw new Error(
      `the SigV4 check (${name}) did not answer on ${check.url} within ` +
        `${START_TIMEOUT_MS / 1000} s; ${log} ends with:\n${tail.join("\n")}`,
    );
  });
}

/** Stops the endpoint the harness started (found by its pid file and command line); nothing else. */
export async function stopSigV4Check(name: SigV4CheckName): Promise<"stopped" | "not running"> {
  const pid = await ourPid(name);
  const pidFile = `${dirOf(name)}/server.pid`;
  if (pid === undefined) {
    await Deno.remove(pidFile).catch(() => {});
    return "not running";
  }
  for (const [signal, waitMs] of [["SIGTERM", 5_000], ["SIGKILL", 2_000]] as const) {
    try {
      Deno.kill(pid, signal);
    } catch {
      break;
    }
    for (let waited = 0; waited < waitMs && (await isOurs(pid, name)); waited += 100) {
      await delay(100);
    }
    if (!(await isOurs(pid, name))) break;
  }
  if (await isOurs(pid, name)) throw new Error(`sigv4_check.py (pid ${pid}) did not stop`);
  await Deno.remove(pidFile).catch(() => {});
  return "stopped";
}

/** Stops both endpoints. */
export async function stopSigV4Checks(): Promise<void> {
  await Promise.all([stopSigV4Check("es"), stopSigV4Check("aoss")]);
}

/** Whether the endpoint runs, with its pid. */
export async function sigv4CheckStatus(name: SigV4CheckName): Promise<string> {
  const pid = await ourPid(name);
  return pid === undefined
    ? "stopped"
    : `running on 127.0.0.1:${sigv4CheckPort(name)} (pid ${pid})`;
}

/**
 * The environment python3 needs to import botocore: nothing when it already can, else
 * PYTHONPATH to a `pip install --target` of it. Throws saying how to fix it when neither works.
 */
async function ensureBotocore(): Promise<Record<string, string>> {
  if (!(await onPath("python3"))) {
    throw new Error(
      "the SigV4 tests need python3 with botocore, and python3 is not installed; fix: " +
        "apt-get install -y python3 python3-pip",
    );
  }
  if (await importsBotocore({})) return {};
  const inherited = Deno.env.get("PYTHONPATH");
  const env = { PYTHONPATH: inherited ? `${PYTHON_DIR}:${inherited}` : PYTHON_DIR };
  if (await importsBotocore(env)) return env;
  await Deno.mkdir(PYTHON_DIR, { recursive: true });
  const install = await withLock(`${CLUSTERS_DIR}python.lock`, async () => {
    if (await importsBotocore(env)) return undefined;
    const args = ["-m", "pip", "install", "--quiet", "--target", PYTHON_DIR, "botocore"];
    console.error(`sigv4: botocore is missing; running: python3 ${args.join(" ")}`);
    return await new Deno.Command("python3", { args, stdout: "piped", stderr: "piped" }).output();
  });
  if (await importsBotocore(env)) return env;
  const error = install
    ? new TextDecoder().decode(install.stderr).trim().split("\n").slice(-5)
    : [];
  throw new Error(
    'the SigV4 tests need botocore (Python, from PyPI): `python3 -c "import botocore"` failed, ' +
      `and \`python3 -m pip install --target ${PYTHON_DIR} botocore\` did not make it ` +
      `importable (exit code ${install?.code}${error.length ? `: ${error.join("\n")}` : ""}); ` +
      "fix: `python3 -m pip install botocore` (or `apt-get install -y python3-botocore`), or " +
      "make PyPI reachable for pip and run the test again",
  );
}

async function importsBotocore(env: Record<string, string>): Promise<boolean> {
  const check = await new Deno.Command("python3", {
    args: ["-c", "import botocore.auth, botocore.awsrequest, botocore.credentials"],
    env,
    stdout: "null",
    stderr: "null",
  }).output();
  return check.success;
}

async function statsOf(url: string): Promise<SigV4Stats & { fingerprint: string }> {
  const response = await fetch(`${url}${STATS_PATH}`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url}${STATS_PATH} answered ${response.status}`);
  }
  return await response.json();
}

function dirOf(name: SigV4CheckName): string {
  return `${CLUSTERS_DIR}sigv4-${name}`;
}

async function ourPid(name: SigV4CheckName): Promise<number | undefined> {
  const text = await Deno.readTextFile(`${dirOf(name)}/server.pid`).catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isOurs(pid, name)) ? pid : undefined;
}

/** The process runs our script with this endpoint's pid file, and is not a zombie. */
async function isOurs(pid: number, name: SigV4CheckName): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") return false;
    const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    return cmdline.some((word) => word.endsWith("sigv4_check.py")) &&
      cmdline.includes(`${dirOf(name)}/server.pid`);
  } catch {
    return false;
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function shellQuoted(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}
