/**
 * The `proxy` test component: nginx (Debian's package) serving HTTPS with a certificate from a
 * test CA, and HTTP basic auth, in front of a node. It lets the tests see what an operator sees
 * with a real secured cluster: a wrong password, an unknown CA, a trusted CA.
 */

import { exists, run } from "./shell.ts";

/** What a test needs to reach the proxy. */
export interface ProxyInfo {
  url: string;
  /** PEM file of the test CA that signed the proxy's certificate. */
  caPath: string;
  username: string;
  password: string;
}

const USERNAME = "fmtest";

async function which(command: string): Promise<boolean> {
  const output = await new Deno.Command("sh", {
    args: ["-c", `command -v ${command}`],
    stdout: "null",
  }).output();
  return output.success;
}

async function ensureNginx(): Promise<void> {
  if (await which("nginx")) return;
  console.error("nginx is missing; installing it with apt-get (Debian package nginx)...");
  const install = await new Deno.Command("sh", {
    args: [
      "-c",
      "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!(await which("nginx"))) {
    throw new Error(
      `could not install nginx (${new TextDecoder().decode(install.stderr).trim()}); ` +
        "fix: run `apt-get update && apt-get install -y nginx` as root",
    );
  }
}

/** A test CA and a server certificate for 127.0.0.1 and localhost, made once and reused. */
async function ensureCertificates(dir: string): Promise<void> {
  if (await exists(`${dir}/server.crt`)) return;
  const openssl = (args: string[], what: string) => run("openssl", args, what);
  await openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "3650",
      "-subj",
      "/CN=Fetch Migration test CA",
      "-keyout",
      `${dir}/ca.key`,
      "-out",
      `${dir}/ca.crt`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    "creating the test CA",
  );
  await openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      `${dir}/server.key`,
      "-out",
      `${dir}/server.csr`,
    ],
    "creating the server key",
  );
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" +
      "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n",
  );
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      `${dir}/server.csr`,
      "-CA",
      `${dir}/ca.crt`,
      "-CAkey",
      `${dir}/ca.key`,
      "-CAcreateserial",
      "-days",
      "3650",
      "-extfile",
      `${dir}/server.ext`,
      "-out",
      `${dir}/server.crt`,
    ],
    "signing the server certificate",
  );
}

/** The basic-auth password, generated once and kept (mode 0600) for later runs. */
async function ensureCredentials(dir: string): Promise<{ username: string; password: string }> {
  const file = `${dir}/credentials.json`;
  if (await exists(file)) return JSON.parse(await Deno.readTextFile(file));
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const password = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
  const credentials = { username: USERNAME, password };
  await Deno.writeTextFile(file, JSON.stringify(credentials), { mode: 0o600 });
  const hash = await hashWithStdin(password);
  await Deno.writeTextFile(`${dir}/htpasswd`, `${USERNAME}:${hash.trim()}\n`, { mode: 0o644 });
  return credentials;
}

async function hashWithStdin(password: string): Promise<string> {
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
  if (!output.success) throw new Error("openssl passwd failed");
  return new TextDecoder().decode(output.stdout);
}

function nginxConfig(dir: string, port: number, upstreamUrl: string): string {
  return `# written by the Fetch Migration harness
daemon on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    # _bulk bodies can be large; the cluster, not the proxy, should decide what is too big.
    client_max_body_size 0;
    auth_basic "Fetch Migration test cluster";
    auth_basic_user_file ${dir}/htpasswd;
    location / {
      proxy_pass ${upstreamUrl};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
`;
}

async function nginxPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(`${dir}/nginx.pid`)).trim());
    Deno.kill(pid, "SIGCONT");
    return pid;
  } catch {
    return undefined;
  }
}

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

/** Starts the proxy (or reuses ours when it runs) and returns how to reach it. */
export async function startProxy(
  opts: { dir: string; port: number; upstreamUrl: string },
): Promise<ProxyInfo> {
  const { dir, port, upstreamUrl } = opts;
  await Deno.mkdir(`${dir}/tmp`, { recursive: true });
  await ensureNginx();
  await ensureCertificates(dir);
  const credentials = await ensureCredentials(dir);
  const url = `https://127.0.0.1:${port}`;
  const info = { url, caPath: `${dir}/ca.crt`, ...credentials };
  if ((await nginxPid(dir)) !== undefined && (await answers(url, info.caPath))) return info;
  await Deno.writeTextFile(`${dir}/nginx.conf`, nginxConfig(dir, port, upstreamUrl));
  await run(
    "nginx",
    ["-c", `${dir}/nginx.conf`, "-p", dir, "-e", `${dir}/error.log`],
    "starting nginx",
  );
  for (let i = 0; i < 50; i++) {
    if (await answers(url, info.caPath)) return info;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nginx did not answer on ${url}; see ${dir}/error.log`);
}

/** Stops our nginx (by its pid file); nothing else. */
export async function stopProxy(dir: string): Promise<void> {
  const pid = await nginxPid(dir);
  if (pid === undefined) return;
  Deno.kill(pid, "SIGQUIT");
  for (let i = 0; i < 50 && (await nginxPid(dir)) !== undefined; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether our nginx runs. */
export async function proxyStatus(dir: string): Promise<"running" | "stopped"> {
  return (await nginxPid(dir)) !== undefined ? "running" : "stopped";
}
