/**
 * The client's request loop with `fetch` replaced by a recorder: what goes on the wire (auth,
 * content type, the exact signed bytes) and when it tries again. No socket is opened.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { ClusterClient } from "../../src/cluster/client.ts";
import { ClusterError } from "../../src/cluster/errors.ts";
import { signRequest } from "../../src/cluster/sigv4.ts";
import type { EndpointConfig } from "../../src/config/types.ts";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** Runs `fn` with fetch answering from `answers` in turn (an Error is thrown instead). */
async function withFetch(
  answers: Array<Response | Error>,
  fn: (sent: Sent[]) => Promise<void>,
): Promise<void> {
  const original = globalThis.fetch;
  const sent: Sent[] = [];
  globalThis.fetch = ((input: URL | string, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = init?.body === undefined
      ? undefined
      : typeof init.body === "string"
      ? init.body
      : new TextDecoder().decode(init.body as Uint8Array);
    sent.push({ url: String(input), method: init?.method ?? "GET", headers, body });
    const answer = answers.shift();
    if (!answer) return Promise.reject(new Error("no more answers"));
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }) as typeof fetch;
  try {
    await fn(sent);
  } finally {
    globalThis.fetch = original;
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8", ...headers },
  });

const endpoint = (auth: EndpointConfig["auth"]): EndpointConfig => ({
  url: "http://127.0.0.1:19302",
  auth,
  tls: { insecure: false },
});

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };

Deno.test("client: basic auth, JSON and NDJSON bodies, query, parsed answer", async () => {
  await withFetch([json(200, { ok: 1 }), json(200, { errors: false })], async (sent) => {
    const client = new ClusterClient(
      endpoint({ kind: "basic", username: "admin", password: "pw" }),
      fast,
    );
    assertEquals(await client.json("PUT", "/logs", { settings: {} }, { query: { pretty: true } }), {
      ok: 1,
    });
    const bulk = '{"index":{}}\n{"a":1}\n';
    const response = await client.request("POST", "/logs/_bulk", { body: bulk });
    assertEquals(response.body, { errors: false });
    assertEquals(sent[0].url, "http://127.0.0.1:19302/logs?pretty=true");
    assertEquals(sent[0].headers.authorization, `Basic ${btoa("admin:pw")}`);
    assertEquals(sent[0].headers["content-type"], "application/json");
    assertEquals(sent[0].body, '{"settings":{}}');
    assertEquals(sent[1].headers["content-type"], "application/x-ndjson");
    assertEquals(sent[1].body, bulk);
  });
});

Deno.test("client: API key header", async () => {
  await withFetch([json(200, {})], async (sent) => {
    await new ClusterClient(endpoint({ kind: "apiKey", apiKey: "aWQ6a2V5" })).json("GET", "/");
    assertEquals(sent[0].headers.authorization, "ApiKey aWQ6a2V5");
  });
});

Deno.test("client: 429 and 503 are retried (Retry-After honoured), then the answer stands", async () => {
  await withFetch(
    [json(429, { error: "busy" }, { "retry-after": "0" }), json(503, {}), json(200, { n: 1 })],
    async (sent) => {
      const client = new ClusterClient(endpoint({ kind: "none" }), fast);
      assertEquals(await client.json("GET", "/_cat/indices"), { n: 1 });
      assertEquals(sent.length, 3);
    },
  );
  await withFetch([json(503, {}), json(503, {}), json(503, {}), json(503, {})], async (sent) => {
    const client = new ClusterClient(endpoint({ kind: "none" }), fast);
    const response = await client.request("GET", "/");
    assertEquals([response.status, sent.length], [503, 4]);
  });
});

Deno.test("client: 4xx is not retried; 401 is an auth error naming no secret", async () => {
  await withFetch([json(401, { error: { type: "security_exception", reason: "no" } })], async (
    sent,
  ) => {
    const client = new ClusterClient(
      endpoint({ kind: "basic", username: "admin", password: "pw-Secret" }),
      fast,
    );
    let error: unknown;
    await client.json("GET", "/").catch((e) => error = e);
    assert(error instanceof ClusterError);
    assertEquals(error.kind, "auth");
    assert(
      !error.message.includes("pw-Secret") && !error.message.includes(btoa("admin:pw-Secret")),
    );
    assertEquals(sent.length, 1);
  });
});

Deno.test("client: a refused connection is retried, then reported; TLS failures are not retried", async () => {
  const refused = () =>
    new TypeError("fetch failed", {
      cause: new Error(
        "error sending request for url (http://127.0.0.1:19302/): client error (Connect): " +
          "tcp connect error: Connection refused (os error 111)",
      ),
    });
  await withFetch([refused(), json(200, { ok: true })], async (sent) => {
    const client = new ClusterClient(endpoint({ kind: "none" }), fast);
    assertEquals(await client.json("GET", "/"), { ok: true });
    assertEquals(sent.length, 2);
  });
  await withFetch([refused(), refused()], async (sent) => {
    const client = new ClusterClient(endpoint({ kind: "none" }), {
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    let error: unknown;
    await client.request("GET", "/").catch((e) => error = e);
    assert(error instanceof ClusterError);
    assertEquals(
      error.message,
      "cannot connect to 127.0.0.1:19302: connection refused " +
        "(GET http://127.0.0.1:19302)",
    );
    assertEquals(sent.length, 2);
  });
  const tls = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (https://127.0.0.1:19443/): client error (Connect): " +
        "invalid peer certificate: UnknownIssuer",
    ),
  });
  await withFetch([tls], async (sent) => {
    const client = new ClusterClient(endpoint({ kind: "none" }), fast);
    let error: unknown;
    await client.request("GET", "/").catch((e) => error = e);
    assertEquals((error as ClusterError).kind, "tls");
    assertEquals(sent.length, 1);
  });
});

Deno.test("client: info() reads GET /, falls back to _nodes, and unmasks compatibility mode", async () => {
  await withFetch([
    json(405, { error: "Incorrect HTTP method for uri [/] and method [GET], allowed: [DELETE]" }),
    json(200, {
      cluster_name: "fm-es8",
      nodes: { a: { version: "8.19.21", build_flavor: "default" } },
    }, {
      "x-elastic-product": "Elasticsearch",
    }),
  ], async (sent) => {
    const info = await new ClusterClient(endpoint({ kind: "none" })).info();
    assertEquals([info.distribution, info.version], ["elasticsearch", "8.19.21"]);
    assertMatch(sent[1].url, /\/_nodes\/_local\?filter_path=/);
  });
  await withFetch([
    json(200, { cluster_name: "c", version: { distribution: "opensearch", number: "7.10.2" } }),
    json(200, { cluster_name: "c", nodes: { a: { version: "1.3.20" } } }),
  ], async () => {
    const info = await new ClusterClient(endpoint({ kind: "none" })).info();
    assertEquals([info.distribution, info.version, info.major], ["opensearch", "1.3.20", 1]);
  });
  await withFetch([
    new Response("<html>hello</html>", { headers: { "content-type": "text/html" } }),
  ], async () => {
    let error: unknown;
    await new ClusterClient(endpoint({ kind: "none" })).info().catch((e) => error = e);
    assert(error instanceof ClusterError);
    assertMatch(
      error.message,
      /is not an Elasticsearch or OpenSearch REST API: GET \/ answered 200, text\/html/,
    );
    assertEquals(error.errorKind, "unreachable");
  });
});

Deno.test("client: info() on a URL with a path that answers 404 says to give the root URL", async () => {
  const notFound = () =>
    json(404, { error: { type: "index_not_found_exception", reason: "no such index [foo]" } });
  await withFetch([notFound(), notFound()], async (sent) => {
    const client = new ClusterClient(
      { ...endpoint({ kind: "none" }), url: "http://127.0.0.1:19302/foo" },
      { role: "target" },
    );
    let error: unknown;
    await client.info().catch((e) => error = e);
    assert(error instanceof ClusterError);
    assertEquals(sent[0].url, "http://127.0.0.1:19302/foo/");
    assertMatch(error.message, /404: index_not_found_exception: no such index \[foo\]/);
    assertMatch(error.message, /the URL http:\/\/127\.0\.0\.1:19302\/foo has a path \(\/foo\)/);
    assertMatch(
      error.hint ?? "",
      /give the cluster's root URL, e\.g\. http:\/\/127\.0\.0\.1:19302,/,
    );
    assertMatch(error.hint ?? "", /--target/);
    assertEquals(error.errorKind, "unreachable");
  });
  // The same 404 at a root URL is left as it was: no path to blame.
  await withFetch([notFound(), notFound()], async () => {
    let error: unknown;
    await new ClusterClient(endpoint({ kind: "none" })).info().catch((e) => error = e);
    assert(error instanceof ClusterError);
    assert(!error.message.includes("has a path"), error.message);
  });
});

Deno.test("client: SigV4 signs exactly the bytes and headers it sends (aoss)", async () => {
  const saved = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].map((
    name,
  ) => [name, Deno.env.get(name)] as const);
  Deno.env.set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  Deno.env.set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  Deno.env.delete("AWS_SESSION_TOKEN");
  try {
    await withFetch([json(200, { took: 1 })], async (sent) => {
      const client = new ClusterClient({
        url: "https://abc.us-east-1.aoss.amazonaws.com",
        auth: { kind: "sigv4", region: "us-east-1", service: "aoss" },
        tls: { insecure: false },
      });
      const body = '{"index":{"_index":"logs"}}\n{"msg":"é"}\n';
      await client.request("POST", "/_bulk", { body, query: { refresh: "wait_for" } });
      const wire = sent[0];
      assertEquals(wire.body, body);
      const { authorization, ...rest } = wire.headers;
      // Re-sign what was sent, at the time it says it was signed: the same signature.
      const stamp = rest["x-amz-date"].replace(
        /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
        "$1-$2-$3T$4:$5:$6Z",
      );
      const again = await signRequest(
        {
          method: wire.method,
          url: new URL(wire.url),
          headers: Object.fromEntries(
            Object.entries(rest).filter(([name]) => name !== "x-amz-date" && name !== "host"),
          ),
          body: wire.body,
        },
        {
          region: "us-east-1",
          service: "aoss",
          credentials: () =>
            Promise.resolve({
              accessKeyId: "AKIDEXAMPLE",
              secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            }),
        },
        new Date(stamp),
      );
      assertEquals(authorization, again.authorization);
      assertMatch(
        authorization,
        /SignedHeaders=accept;accept-encoding;content-type;host;x-amz-content-sha256;x-amz-date,/,
      );
    });
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});
