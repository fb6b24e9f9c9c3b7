/**
 * The `proxy` test component: nginx (Debian's package) serving HTTPS with a certificate from a
 * test CA, and HTTP basic auth, in front of a node. It lets the tests see what an operator sees
 * with a real secured cluster: a wrong password, an unknown CA, a trusted CA.
 *
 * Everything it writes (keys, certificates, credentials, nginx.conf, pid file, logs, temp files)
 * stays in the directory it is given. Linux only: it recognises its nginx through `/proc`.
 */

import { delay, exists, onPath, portFree, run, withLock } from "./shell.ts";

/** Port the proxy listens on unless `FM_TEST_PORT_PROXY` says otherwise. */
export const DEFAULT_PROXY_PORT = 19443;

/** What a test needs to reach the proxy. */
export interface ProxyInfo {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** PEM file of the test CA that signed the proxy's certificate. */
  caPath: string;
  username: string;
  password: string;
}

const USERNAME = "fmtest";
const INSTALL_COMMAND = "apt-get update && apt-get install -y nginx";
const START_TIMEOUT_MS = 15_000;

/**
 * Starts nginx for `dir` (or reuses ours when it already serves there) and returns how to reach
 * it. The CA, certificate and password are made once and kept, so a `caPath` handed out earlier
 * stays valid. A running proxy whose upstream or port changed is reloaded in place.
 */
export async function startProxy(
  opts: { dir: string; port: number; upstreamUrl: string },
): Promise<ProxyInfo> {
  const dir = absolute(opts.dir);
  const upstream = upstreamAddress(opts.upstreamUrl);
  await Deno.mkdir(`${dir}/tmp`, { recursive: true });
  // Parallel test processes may all ask for the proxy; only one may create keys or bind the port.
  return await withLock(`${dir}/start.lock`, async () => {
    const nginx = await ensureNginx();
    await ensureCertificates(dir);
    const credentials = await ensureCredentials(dir);
    const info: ProxyInfo = {
      url: `https://127.0.0.1:${opts.port}`,
      caPath: `${dir}/ca.crt`,
      ...credentials,
    };
    const config = nginxConfig(dir, opts.port, upstream);
    const configPath = `${dir}/nginx.conf`;
    const pid = await ourPid(dir);
    if (pid !== undefined) {
      const current = await Deno.readTextFile(configPath).catch(() => "");
      if (current === config) {
        if (await answers(info.url, info.caPath)) return info;
        // Alive but deaf: start afresh rather than guess what went wrong.
        await stopProxy(dir);
      } else {
        if (!current.includes(`listen 127.0.0.1:${opts.port} ssl;`)) assertPortFree(opts.port);
        await Deno.writeTextFile(configPath, config);
        await testConfig(nginx, dir);
        // SIGHUP reloads gracefully, so requests other tests have in flight still finish.
        Deno.kill(pid, "SIGHUP");
        await delay(300);
        return await waitUntilServing(info, dir);
      }
    }
    await Deno.remove(`${dir}/nginx.pid`).catch(() => {});
    await Deno.writeTextFile(configPath, config);
    await testConfig(nginx, dir);
    // nginx would retry a taken port for seconds before saying so.
    assertPortFree(opts.port);
    console.error(`proxy: starting nginx on ${info.url} -> ${opts.upstreamUrl}`);
    const start = await new Deno.Command(nginx, {
      args: nginxArgs(dir),
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!start.success) {
      const lines = new TextDecoder().decode(start.stderr).trim().split("\n");
      const error = [...new Set(lines)].join("\n");
      throw new Error(`starting nginx (${nginx} ${nginxArgs(dir).join(" ")}) failed: ${error}`);
    }
    return await waitUntilServing(info, dir);
  });
}

/** Stops our nginx for `dir` (found by its pid file and command line); never any other process. */
export async function stopProxy(dir: string): Promise<void> {
  dir = absolute(dir);
  const pid = await ourPid(dir);
  if (pid === undefined) {
    await Deno.remove(`${dir}/nginx.pid`).catch(() => {});
    return;
  }
  // SIGQUIT lets requests finish; escalate only if nginx does not go.
  for (
    const [signal, waitMs] of [["SIGQUIT", 10_000], ["SIGTERM", 5_000], ["SIGKILL", 2_000]] as const
  ) {
    try {
      Deno.kill(pid, signal);
    } catch {
      return;
    }
    for (let waited = 0; waited < waitMs; waited += 100) {
      if (!(await isOurNginx(pid, dir))) return;
      await delay(100);
    }
  }
  throw new Error(`nginx (pid ${pid}) for ${dir} did not stop, even after SIGKILL`);
}

/** Whether our nginx for `dir` runs. */
export async function proxyStatus(dir: string): Promise<"running" | "stopped"> {
  return (await ourPid(absolute(dir))) === undefined ? "stopped" : "running";
}

function assertPortFree(port: number): void {
  if (portFree(port)) return;
  throw new Error(
    `port ${port} for the proxy is taken by another process (see \`ss -ltnp 'sport = :${port}'\`); ` +
      "stop it or set FM_TEST_PORT_PROXY to a free port",
  );
}

function absolute(dir: string): string {
  const trimmed = dir.replace(/\/+$/, "");
  // nginx resolves relative paths against its prefix, not our working directory.
  return trimmed.startsWith("/") ? trimmed : `${Deno.cwd()}/${trimmed}`;
}

/** `host:port` for nginx's `upstream` block, and the scheme to proxy with. */
function upstreamAddress(upstreamUrl: string): { scheme: string; hostPort: string } {
  const url = new URL(upstreamUrl);
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/") {
    throw new Error(`proxy upstream must be http(s)://host:port, got ${upstreamUrl}`);
  }
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return { scheme: url.protocol.slice(0, -1), hostPort: `${url.hostname}:${port}` };
}

/** Path of the nginx binary, installing Debian's package when there is none. */
async function ensureNginx(): Promise<string> {
  const found = await findNginx();
  if (found) return found;
  console.error(`proxy: nginx is missing; running: ${INSTALL_COMMAND}`);
  const install = await new Deno.Command("sh", {
    args: ["-c", INSTALL_COMMAND],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const installed = await findNginx();
  if (!install.success || !installed) {
    throw new Error(
      `installing nginx failed (exit code ${install.code}); run as root: ${INSTALL_COMMAND}`,
    );
  }
  return installed;
}

async function findNginx(): Promise<string | undefined> {
  // /usr/sbin is often missing from a non-root PATH, where Debian puts nginx.
  const found = await onPath("nginx");
  if (found) return found;
  return (await exists("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : undefined;
}

/** A test CA and a server certificate for 127.0.0.1 and localhost, made once and reused. */
async function ensureCertificates(dir: string): Promise<void> {
  const ca = { key: `${dir}/ca.key`, cert: `${dir}/ca.crt` };
  const server = { key: `${dir}/server.key`, cert: `${dir}/server.crt` };
  const have = async (...paths: string[]) =>
    (await Promise.all(paths.map((path) => exists(path)))).every(Boolean);
  if (!(await have(ca.key, ca.cert))) {
    console.error(`proxy: creating a test CA in ${dir}`);
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-sha256",
      "-days",
      "3650",
      "-subj",
      "/CN=Fetch Migration test CA",
      "-keyout",
      ca.key,
      "-out",
      ca.cert,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], "creating the test CA");
    await Deno.remove(server.cert).catch(() => {});
  }
  if (await have(server.key, server.cert) && (await verifies(dir))) return;
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    server.key,
    "-out",
    `${dir}/server.csr`,
  ], "creating the server key");
  // rustls (Deno's TLS) checks subjectAltName only, and refuses a CA certificate as a server's.
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" +
      "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-sha256",
    "-in",
    `${dir}/server.csr`,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-days",
    "3650",
    "-extfile",
    `${dir}/server.ext`,
    "-out",
    server.cert,
  ], "signing the server certificate");
}

async function verifies(dir: string): Promise<boolean> {
  const check = await new Deno.Command("openssl", {
    args: ["verify", "-CAfile", `${dir}/ca.crt`, `${dir}/server.crt`],
    stdout: "null",
    stderr: "null",
  }).output();
  return check.success;
}

/** The basic-auth user and password, generated once and kept (mode 0600) for later runs. */
async function ensureCredentials(dir: string): Promise<{ username: string; password: string }> {
  const file = `${dir}/credentials.json`;
  let credentials: { username: string; password: string } | undefined;
  try {
    const stored = JSON.parse(await Deno.readTextFile(file));
    if (typeof stored.username === "string" && typeof stored.password === "string") {
      credentials = { username: stored.username, password: stored.password };
    }
  } catch {
    // Missing or unreadable: make new ones below.
  }
  if (!credentials) {
    const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const password = Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
    credentials = { username: USERNAME, password };
    await Deno.writeTextFile(file, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
    await Deno.remove(`${dir}/htpasswd`).catch(() => {});
  }
  await Deno.chmod(file, 0o600);
  const htpasswd = `${dir}/htpasswd`;
  const line = await Deno.readTextFile(htpasswd).catch(() => "");
  if (!line.startsWith(`${credentials.username}:`)) {
    const hash = await passwordHash(credentials.password);
    await Deno.writeTextFile(htpasswd, `${credentials.username}:${hash}\n`, { mode: 0o644 });
  }
  return credentials;
}

/** An htpasswd (apr1) hash; the password goes through stdin so it never shows in `ps`. */
async function passwordHash(password: string): Promise<string> {
  const child = new Deno.Command("openssl", {
    args: ["passwd", "-apr1", "-stdin"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(password + "\n"));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new Error(`openssl passwd failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return new TextDecoder().decode(output.stdout).trim();
}

function nginxConfig(
  dir: string,
  port: number,
  upstream: { scheme: string; hostPort: string },
): string {
  // As root, nginx would run its workers as `nobody`, who cannot read the htpasswd file when the
  // checkout sits in a private directory such as /root. It listens on loopback only.
  const user = Deno.uid() === 0 ? "user root;\n" : "";
  return `# written by the Fetch Migration test harness (tests/harness/proxy.ts)
${user}daemon on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 512; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream fm_upstream {
    server ${upstream.hostPort};
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    auth_basic "Fetch Migration test cluster";
    auth_basic_user_file ${dir}/htpasswd;
    # _bulk bodies can be large; the cluster, not the proxy, decides what is too big.
    client_max_body_size 0;
    location / {
      proxy_pass ${upstream.scheme}://fm_upstream;
      # HTTP/1.1 with an empty Connection header keeps upstream connections alive.
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      # Stream both ways: no spooling of large bodies or scroll pages to temp files.
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_send_timeout 600s;
      proxy_read_timeout 600s;
    }
  }
}
`;
}

function nginxArgs(dir: string): string[] {
  // -e: before the config is read nginx logs to /var/log/nginx, which may not be writable.
  return ["-c", `${dir}/nginx.conf`, "-p", `${dir}/`, "-e", `${dir}/error.log`];
}

async function testConfig(nginx: string, dir: string): Promise<void> {
  await run(nginx, ["-t", "-q", ...nginxArgs(dir)], `checking ${dir}/nginx.conf`);
}

/** The pid in our pid file, if that process is our nginx (not a reused pid, not another one). */
async function ourPid(dir: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(`${dir}/nginx.pid`).catch(() => "");
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isOurNginx(pid, dir)) ? pid : undefined;
}

async function isOurNginx(pid: number, dir: string): Promise<boolean> {
  try {
    // The master's title keeps its arguments: "nginx: master process nginx -c <dir>/nginx.conf".
    const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).replaceAll("\0", " ");
    return cmdline.includes("nginx") && cmdline.includes(`${dir}/nginx.conf`);
  } catch {
    return false;
  }
}

/** Whether HTTPS on `url` answers at all (401 counts) with a certificate from our CA. */
async function answers(url: string, caPath: string): Promise<boolean> {
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(caPath)] });
  try {
    const response = await fetch(url, { client, signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

async function waitUntilServing(info: ProxyInfo, dir: string): Promise<ProxyInfo> {
  for (let waited = 0; waited < START_TIMEOUT_MS; waited += 200) {
    if (await answers(info.url, info.caPath)) return info;
    await delay(200);
  }
  const log = await Deno.readTextFile(`${dir}/error.log`).catch(() => "");
  const tail = log.trim().split("\n").slice(-10).join("\n");
  throw new Error(
    `nginx did not answer on ${info.url} within ${START_TIMEOUT_MS / 1000}s; ` +
      `${dir}/error.log ends with:\n${tail}`,
  );
}
