/**
 * The tool taken from a URL, as users do without a clone: a copy of the repository served over
 * HTTP on 127.0.0.1, then `deno run --no-config <url>/src/main.ts` and `deno install -g <url>`.
 * Proves that no import map or deno.json is needed (every npm dependency is a full specifier).
 */
import { V8_FLAGS_ARGUMENT } from "../../src/v8-flags.ts";
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { ensureNodes } from "./scene.ts";
import { VERSION } from "../../src/version.ts";

const REPO = new URL("../../", import.meta.url).pathname;

/** Serves the repository's files read-only on a free port of 127.0.0.1. */
function serveRepository(): Deno.HttpServer<Deno.NetAddr> & { url: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 403 });
    try {
      const body = await Deno.readFile(`${REPO}${path.slice(1)}`);
      const type = path.endsWith(".ts") ? "application/typescript" : "text/plain";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}` });
}

async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno run --no-config <url>/src/main.ts works from a URL, outside any checkout", async () => {
  const { es7, os2 } = await ensureNodes(["es7", "os2"]);
  const server = serveRepository();
  const elsewhere = await Deno.makeTempDir();
  try {
    const main = `${server.url}/src/main.ts`;
    const help = await run(
      Deno.execPath(),
      ["run", "-A", V8_FLAGS_ARGUMENT, "--no-config", main, "--help"],
      elsewhere,
    );
    assertEquals(help.code, 0, help.stderr);
    assertStringIncludes(help.stdout, "Move indices and documents");
    const info = await run(
      Deno.execPath(),
      [
        "run",
        "-A",
        V8_FLAGS_ARGUMENT,
        "--no-config",
        main,
        "info",
        "--source",
        es7.url,
        "--target",
        os2.url,
        "--json",
      ],
      elsewhere,
    );
    assertEquals(info.code, 0, info.stderr);
    assertEquals(JSON.parse(info.stdout).target.version, "2.19.6");
  } finally {
    await server.shutdown();
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("deno install -g <url>/src/main.ts gives a fetch-migration command that runs", async () => {
  const server = serveRepository();
  const root = await Deno.makeTempDir();
  try {
    const install = await run(
      Deno.execPath(),
      [
        "install",
        "-g",
        "-A",
        V8_FLAGS_ARGUMENT,
        "-n",
        "fetch-migration",
        "--root",
        root,
        `${server.url}/src/main.ts`,
      ],
      root,
    );
    assertEquals(install.code, 0, install.stderr);
    const version = await run(`${root}/bin/fetch-migration`, ["--version"], root);
    assertEquals(version.code, 0, version.stderr);
    assertEquals(version.stdout.trim(), VERSION);
  } finally {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});
