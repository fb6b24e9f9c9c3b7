/**
 * What the CLI says when a URL reaches the wrong thing, against real sockets this test opens: a
 * host that accepts connections and never answers, a transport port, a web server's 404 page, a
 * TLS port given as http:// and a plain port given as https://. Each is one message naming the
 * host and the fix, exit 3, never a stack trace. No cluster is needed (a real transport port is
 * tried too when the harness's os1 node runs).
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { type CliRun, finished, runCli, spawnCli } from "./scene.ts";

/** The harness's os1 node's transport port (HTTP port + 10 000, tests/harness/nodes.ts). */
const OS1_TRANSPORT_PORT = 29301;

/** `info` with the same URL on both sides: the one failure is the source's and the target's. */
function info(url: string, ...extra: string[]): Promise<CliRun> {
  return runCli(["info", "--source", url, "--target", url, ...extra]);
}

function assertNoStack(run: CliRun): void {
  assert(!/internal error|^\s+at /m.test(run.stderr), run.stderr);
}

/** A TCP server that takes connections and lets each one do `serve`. */
function tcpServer(serve: (conn: Deno.TcpConn) => Promise<void>): {
  url: string;
  close: () => Promise<void>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.TcpConn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      serve(conn).catch(() => {});
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    close: async () => {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Closed by its own handler.
        }
      }
      await accepting;
    },
  };
}

/** Takes a connection and never says a word (a hung node, a firewall that holds it). */
function silentHost() {
  return tcpServer(async (conn) => {
    const buffer = new Uint8Array(4096);
    while ((await conn.read(buffer)) !== null) {
      // Read the request, answer nothing.
    }
  });
}

/**
 * What an Elasticsearch or OpenSearch transport port does with an HTTP request (its
 * `TcpTransport` on an `HttpRequestOnTransportException`): the bare text "This is not an HTTP
 * port", no status line, then it closes.
 */
function transportPort() {
  return tcpServer(async (conn) => {
    await conn.read(new Uint8Array(4096));
    await conn.write(new TextEncoder().encode("This is not an HTTP port"));
    conn.close();
  });
}

Deno.test("a host that never answers: a warning per retry, then the total time in the error, exit 3", async () => {
  const host = silentHost();
  try {
    const started = performance.now();
    const run = await info(host.url, "--timeout", "1");
    const seconds = (performance.now() - started) / 1000;
    assertEquals(run.code, 3, run.stderr);
    const where = host.url.replace("http://", "");
    assertStringIncludes(
      run.stderr,
      `no answer from ${where} within 1 s to GET ${host.url}; trying again (attempt 2 of 4)`,
    );
    assertStringIncludes(run.stderr, "(attempt 4 of 4)");
    assertMatch(
      run.stderr,
      new RegExp(
        `error: no answer from ${where} within 1 s \\(4 attempts, \\d\\.\\d s in all\\) \\(GET `,
      ),
    );
    assertMatch(run.stderr, /hint: .*--timeout SECONDS \(each attempt waits that long\)/);
    assert(seconds < 20, `took ${seconds} s`);
    assertNoStack(run);
  } finally {
    await host.close();
  }
});

Deno.test("a host silent for a few seconds: a warning names it and says it retries, before any timeout", async () => {
  const host = silentHost();
  const child = spawnCli(["info", "--source", host.url, "--target", host.url, "--timeout", "60"], {
    stderr: "piped",
  });
  try {
    const where = host.url.replace("http://", "");
    let text = "";
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const deadline = setTimeout(() => reader.cancel(), 15_000);
    while (!text.includes("has not answered")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    clearTimeout(deadline);
    assertMatch(
      text,
      new RegExp(
        `${where} has not answered for 5 s; waiting up to 1m00s per attempt, retrying up ` +
          "to 4 attempts in all \\(up to 4m02s; --timeout sets the wait\\)",
      ),
    );
    reader.releaseLock();
  } finally {
    child.kill("SIGKILL");
    await finished(child, 10).catch(() => {});
    await host.close();
  }
});

Deno.test("a transport port: says it is the transport port and to use the HTTP port, exit 3, no retry", async () => {
  const port = transportPort();
  try {
    const run = await info(port.url, "--timeout", "2");
    assertEquals(run.code, 3, run.stderr);
    const where = port.url.replace("http://", "");
    assertStringIncludes(
      run.stderr,
      `error: ${where} answered in Elasticsearch/OpenSearch's transport protocol, not HTTP: ` +
        "this is the transport port (usually 9300)",
    );
    assertStringIncludes(
      run.stderr,
      "hint: use the cluster's HTTP port (usually 9200), e.g. http://127.0.0.1:9200",
    );
    assert(!run.stderr.includes("trying again"), run.stderr);
    assertNoStack(run);
  } finally {
    await port.close();
  }
});

Deno.test("a real node's transport port (os1's, when it runs) is named as such", async (t) => {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: OS1_TRANSPORT_PORT })).close();
  } catch {
    return void await t.step({ name: "os1 is not running", ignore: true, fn: () => {} });
  }
  const run = await info(`http://127.0.0.1:${OS1_TRANSPORT_PORT}`, "--timeout", "2");
  assertEquals(run.code, 3, run.stderr);
  assertStringIncludes(run.stderr, "this is the transport port (usually 9300)");
  assertNoStack(run);
});

Deno.test("a web server's 404 page on GET /: names the host, what it answered and the fix, exit 3", async () => {
  const page = "<html><head><title>404 Not Found</title></head><body>nginx</body></html>";
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(page, { status: 404, headers: { "content-type": "text/html" } }),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const run = await info(url, "--timeout", "2");
    assertEquals(run.code, 3, run.stderr);
    assertStringIncludes(
      run.stderr,
      `error: ${url} is not an Elasticsearch or OpenSearch REST API: GET / answered 404, ` +
        `text/html, page "404 Not Found"`,
    );
    assertMatch(run.stderr, /hint: the URL in --source .* must reach the cluster's REST API/);
    assertMatch(run.stderr, /path prefix or route the proxy serves the cluster under/);
    assertNoStack(run);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a web server's HTML page with 200 on GET /: the same message, exit 3", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response("<html><title>Kibana</title></html>", {
        headers: { "content-type": "text/html; charset=utf-8" },
      }),
  );
  try {
    const url = `http://127.0.0.1:${server.addr.port}`;
    const run = await info(url, "--timeout", "2");
    assertEquals(run.code, 3, run.stderr);
    assertStringIncludes(run.stderr, `GET / answered 200, text/html, page "Kibana"`);
    assertNoStack(run);
  } finally {
    await server.shutdown();
  }
});

Deno.test("http:// to a TLS port, https:// to a plain port: each says to switch the scheme, exit 3", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hx-tls-" });
  const openssl = new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ],
    stdout: "null",
    stderr: "null",
  });
  assertEquals((await openssl.output()).code, 0, "openssl could not make a certificate");
  const tls = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
    onListen() {},
  }, () => Response.json({}));
  const plain = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({}),
  );
  try {
    const tlsWhere = `127.0.0.1:${tls.addr.port}`;
    const toTls = await info(`http://${tlsWhere}`, "--timeout", "2");
    assertEquals(toTls.code, 3, toTls.stderr);
    assertStringIncludes(
      toTls.stderr,
      `error: ${tlsWhere} speaks TLS (HTTPS), but the URL says http://`,
    );
    assertStringIncludes(toTls.stderr, `hint: use https://${tlsWhere} instead of http://`);
    assertNoStack(toTls);

    const plainWhere = `127.0.0.1:${plain.addr.port}`;
    const toPlain = await info(`https://${plainWhere}`, "--timeout", "2");
    assertEquals(toPlain.code, 3, toPlain.stderr);
    assertStringIncludes(
      toPlain.stderr,
      `error: ${plainWhere} does not speak TLS, but the URL says https://`,
    );
    assertStringIncludes(toPlain.stderr, `hint: the port serves plain HTTP: use http://`);
    assertNoStack(toPlain);
  } finally {
    await tls.shutdown();
    await plain.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
