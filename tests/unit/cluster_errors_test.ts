/**
 * How failures read: the cluster's own reason, Deno's fetch exceptions classified, and no
 * secret in any message. The exceptions below copy what Deno 2.9's fetch (and, for insecure
 * endpoints, node:https) threw against real loopback listeners.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import { ClusterClient } from "../../src/cluster/client.ts";
import {
  ClusterError,
  errorReason,
  foreignProtocol,
  foreignRoot,
  formatElapsed,
  httpFailure,
  innermostCause,
  networkFailure,
  notClusterApi,
  shownUrl,
} from "../../src/cluster/errors.ts";
import type { EndpointConfig } from "../../src/config/types.ts";

/** `fetch` rejects with TypeError("fetch failed") whose cause carries hyper's text. */
function denoFetchError(inner: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(inner) });
}

function nodeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const context = (url: string, timedOut = false) => ({
  method: "GET",
  url: new URL(url),
  timedOut,
  timeoutMs: 30_000,
  role: "source" as const,
});

/** What networkFailure makes of Deno's fetch failing to connect to `url`, hyper saying `cause`. */
function connectFailure(url: string, cause: string): ClusterError {
  return networkFailure(
    denoFetchError(`error sending request for url (${url}): client error (Connect): ${cause}`),
    context(url),
  );
}

Deno.test("error reasons: type and reason, root cause when it adds, strings, proxy pages", () => {
  // OpenSearch 2.19, PUT /BadName
  assertEquals(
    errorReason({
      error: {
        root_cause: [{
          type: "invalid_index_name_exception",
          reason: "Invalid index name [BadName], must be lowercase",
          index: "BadName",
          index_uuid: "_na_",
        }],
        type: "invalid_index_name_exception",
        reason: "Invalid index name [BadName], must be lowercase",
        index: "BadName",
        index_uuid: "_na_",
      },
      status: 400,
    }),
    "invalid_index_name_exception: Invalid index name [BadName], must be lowercase",
  );
  // OpenSearch 3.6, a mapping with an unknown field type
  assertEquals(
    errorReason({
      error: {
        root_cause: [{
          type: "mapper_parsing_exception",
          reason: "No handler for type [nope] declared on field [a]",
        }],
        type: "mapper_parsing_exception",
        reason: "Failed to parse mapping [_doc]: No handler for type [nope] declared on field [a]",
        caused_by: {
          type: "mapper_parsing_exception",
          reason: "No handler for type [nope] declared on field [a]",
        },
      },
      status: 400,
    }),
    "mapper_parsing_exception: Failed to parse mapping [_doc]: No handler for type [nope] " +
      "declared on field [a] (caused by mapper_parsing_exception: No handler for type [nope] " +
      "declared on field [a])",
  );
  assertEquals(
    errorReason({ error: { type: "settings_exception", caused_by: { reason: "bad [x]" } } }),
    "settings_exception (caused by bad [x])",
  );
  // Elasticsearch 1.x/2.x style, and the OpenSearch security plugin's plain text
  assertEquals(
    errorReason({ error: "IndexMissingException[[x] missing]", status: 404 }),
    "IndexMissingException[[x] missing]",
  );
  assertEquals(errorReason("Unauthorized"), "Unauthorized");
  // nginx in front of a cluster (the test proxy's 401 page)
  assertEquals(
    errorReason(
      "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n" +
        "<center><h1>401 Authorization Required</h1></center>\r\n</body>\r\n</html>\r\n",
    ),
    "401 Authorization Required",
  );
  assertEquals(errorReason({}), undefined);
  assertEquals(errorReason(""), undefined);
  assertEquals(errorReason(null), undefined);
});

Deno.test("http failures name method, URL, status and reason; exit 1", () => {
  const error = httpFailure({
    method: "PUT",
    url: new URL("http://127.0.0.1:19302/BadName"),
    status: 400,
    body: { error: { type: "invalid_index_name_exception", reason: "must be lowercase" } },
    authKind: "none",
  });
  assert(error instanceof ClusterError);
  assertEquals(error.kind, "http");
  assertEquals(error.errorKind, "refused");
  assertEquals(
    error.message,
    "PUT http://127.0.0.1:19302/BadName failed with 400: " +
      "invalid_index_name_exception: must be lowercase",
  );
  assertEquals(error.status, 400);
  assertEquals(error.reason, "invalid_index_name_exception: must be lowercase");
});

Deno.test("401 and 403 are auth failures, exit 3, with a hint for the auth in use", () => {
  const base = {
    method: "GET",
    url: new URL("https://127.0.0.1:19443/"),
    body: "<html><head><title>401 Authorization Required</title></head></html>",
    role: "target" as const,
  };
  const basic = httpFailure({ ...base, status: 401, authKind: "basic" });
  assertEquals(basic.kind, "auth");
  assertEquals(basic.errorKind, "unreachable");
  assertEquals(
    basic.message,
    "authentication failed (401) at https://127.0.0.1:19443 on GET /: 401 Authorization Required",
  );
  assertMatch(basic.hint!, /user name and password/);
  // The user is named, with where to fix it for this side; never the password.
  const named = httpFailure({ ...base, status: 401, authKind: "basic", username: "fmtest" });
  assertEquals(
    named.message,
    "authentication failed (401) at https://127.0.0.1:19443 as user fmtest on GET /: " +
      "401 Authorization Required",
  );
  assertStringIncludes(named.hint!, "--target-user");
  assertStringIncludes(named.hint!, "--target-password-file");
  assertStringIncludes(named.hint!, "the pipeline's sink");
  assertMatch(httpFailure({ ...base, status: 401, authKind: "none" }).hint!, /--target-user/);
  assertMatch(httpFailure({ ...base, status: 401, authKind: "apiKey" }).hint!, /API key/);
  assertMatch(
    httpFailure({ ...base, status: 403, authKind: "sigv4" }).message,
    /^permission denied/,
  );
  assertMatch(httpFailure({ ...base, status: 401, authKind: "sigv4" }).hint!, /AWS credentials/);
});

Deno.test("plain HTTP to an HTTPS port: nginx's 400 page gets a hint", () => {
  const error = httpFailure({
    method: "GET",
    url: new URL("http://127.0.0.1:19443/"),
    status: 400,
    body: "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>",
    authKind: "none",
  });
  assertEquals(
    error.message,
    "GET http://127.0.0.1:19443 failed with 400: " +
      "400 The plain HTTP request was sent to HTTPS port",
  );
  assertMatch(error.hint!, /https:\/\//);
});

Deno.test("Deno fetch: connection refused names host and port; exit 3", () => {
  const error = connectFailure(
    "http://127.0.0.1:19999/",
    "tcp connect error: Connection refused (os error 111)",
  );
  assertEquals(error.kind, "unreachable");
  assertEquals(error.errorKind, "unreachable");
  assertEquals(
    error.message,
    "cannot connect to 127.0.0.1:19999: connection refused (GET http://127.0.0.1:19999)",
  );
  // node:https (insecure endpoints) says it differently
  const node = networkFailure(
    nodeError("connect ECONNREFUSED 127.0.0.1:19999", "ECONNREFUSED"),
    context("https://127.0.0.1:19999/"),
  );
  assertEquals(
    node.message,
    "cannot connect to 127.0.0.1:19999: connection refused " +
      "(GET https://127.0.0.1:19999)",
  );
});

Deno.test("Deno fetch: an unknown host is unreachable, naming the host", () => {
  const error = connectFailure(
    "http://no-such-host.invalid/",
    "dns error: failed to lookup address information: Name or service not known",
  );
  assertEquals(error.kind, "unreachable");
  assertEquals(
    error.message,
    "cannot connect to no-such-host.invalid:80: unknown host no-such-host.invalid (dns error: " +
      "failed to lookup address information: Name or service not known) " +
      "(GET http://no-such-host.invalid)",
  );
});

Deno.test("Deno fetch: certificate failures are TLS errors with the fix in the hint", () => {
  const unknown = connectFailure(
    "https://127.0.0.1:19443/",
    "invalid peer certificate: UnknownIssuer",
  );
  assertEquals(unknown.kind, "tls");
  assertEquals(unknown.errorKind, "unreachable");
  assertEquals(
    unknown.message,
    "the TLS certificate of 127.0.0.1:19443 is not accepted: it is signed by an unknown CA " +
      "(UnknownIssuer) (GET https://127.0.0.1:19443)",
  );
  assertEquals(
    unknown.hint,
    "pass --source-ca FILE (or `cert: FILE` in the pipeline's source) to trust its CA, or " +
      "--source-insecure (--insecure for both clusters) to skip verification",
  );
  const wrongName = connectFailure(
    "https://127.0.0.1:18447/",
    'invalid peer certificate: certificate not valid for name "127.0.0.1"; certificate is ' +
      'only valid for DnsName("other.example")',
  );
  assertEquals(wrongName.kind, "tls");
  assertStringIncludes(wrongName.message, 'certificate not valid for name "127.0.0.1"');
  assertMatch(wrongName.hint!, /host name the certificate names/);
  const expired = connectFailure(
    "https://127.0.0.1:18443/",
    "invalid peer certificate: certificate expired: verification time 1795485482 (UNIX), " +
      "but certificate is not valid after 1580515200 (214970282 seconds ago)",
  );
  assertEquals(expired.kind, "tls");
  assertStringIncludes(expired.message, "certificate expired");
  assertMatch(expired.hint!, /renew/);
  const caAsLeaf = connectFailure(
    "https://127.0.0.1:18441/",
    "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
  );
  assertEquals(caAsLeaf.kind, "tls");
  assertStringIncludes(caAsLeaf.message, "CaUsedAsEndEntity");
});

Deno.test("Deno fetch: HTTPS to a plain HTTP port is a TLS error pointing at http://", () => {
  const error = connectFailure(
    "https://127.0.0.1:19302/",
    "received corrupt message of type InvalidContentType",
  );
  assertEquals(error.kind, "tls");
  assertMatch(error.hint!, /use http:\/\//);
});

Deno.test("Deno fetch: a dropped connection is unreachable; our timeout is a timeout", () => {
  const dropped = networkFailure(
    denoFetchError(
      "error sending request from 127.0.0.1:58196 for http://127.0.0.1:18445/ " +
        "(127.0.0.1:18445): client error (SendRequest): connection closed before message completed",
    ),
    context("http://127.0.0.1:18445/"),
  );
  assertEquals(dropped.kind, "unreachable");
  assertEquals(
    dropped.message,
    "the connection to 127.0.0.1:18445 closed before an answer (connection closed before " +
      "message completed) (GET http://127.0.0.1:18445)",
  );
  const timeout = networkFailure(
    new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    { ...context("http://127.0.0.1:18444/"), timeoutMs: 2500 },
  );
  assertEquals(timeout.kind, "timeout");
  assertEquals(timeout.errorKind, "unreachable");
  assertEquals(
    timeout.message,
    "no answer from 127.0.0.1:18444 within 2.5 s (GET http://127.0.0.1:18444)",
  );
  // node:https rejects with its own AbortError; the client says whether its timer fired.
  const nodeAbort = Object.assign(new Error("The operation was aborted"), {
    name: "AbortError",
    code: "ABORT_ERR",
  });
  assertEquals(
    networkFailure(nodeAbort, context("https://127.0.0.1:18444/", true)).kind,
    "timeout",
  );
  // Deno refuses some ports outright (the fetch spec's bad ports).
  const blocked = networkFailure(
    new TypeError("Fetch failed: Requests to port 1 are blocked"),
    context("http://127.0.0.1:1/"),
  );
  assertEquals(blocked.kind, "unreachable");
  assertStringIncludes(blocked.message, "Requests to port 1 are blocked");
});

Deno.test("innermostCause keeps the end of hyper's text", () => {
  assertEquals(
    innermostCause(
      denoFetchError(
        "error sending request for url (http://x:1/): client error (Connect): tcp connect error: " +
          "Connection refused (os error 111)",
      ),
    ),
    "tcp connect error: Connection refused (os error 111)",
  );
});

const SECRETS = ["url-pass-123", "hunter2-Secret", "QUJDOmtleS1zZWNyZXQ=", "sig-secret-456"];

function assertNoSecret(text: string | undefined) {
  for (const secret of SECRETS) {
    assert(!(text ?? "").includes(secret), `secret ${secret} leaked into: ${text}`);
  }
  // Nor the basic-auth header value built from them.
  assert(!(text ?? "").includes(btoa("admin:hunter2-Secret")), `Authorization leaked: ${text}`);
}

function endpoint(auth: EndpointConfig["auth"]): EndpointConfig {
  return {
    url: "https://admin:url-pass-123@search.example.com:9200/prefix/",
    auth,
    tls: { insecure: false },
  };
}

Deno.test("no password, API key or URL credential appears in a ClusterError", () => {
  const auths: EndpointConfig["auth"][] = [
    { kind: "basic", username: "admin", password: "hunter2-Secret" },
    { kind: "apiKey", apiKey: "QUJDOmtleS1zZWNyZXQ=" },
    { kind: "none" },
  ];
  for (const auth of auths) {
    const client = new ClusterClient(endpoint(auth), { role: "source" });
    assertEquals(client.url, "https://search.example.com:9200/prefix");
    assertNoSecret(client.url);
    for (const status of [400, 401, 403, 404, 500, 503]) {
      const error = client.httpError("GET", "/_cat/indices?format=json", {
        status,
        headers: new Headers(),
        body: { error: { type: "security_exception", reason: "unable to authenticate user" } },
      });
      assertNoSecret(error.message);
      assertNoSecret(error.hint);
      assertNoSecret(error.url);
      assertEquals(error.url, "https://search.example.com:9200/prefix/_cat/indices?format=json");
    }
  }
  // A URL with user info handed straight to the classifier, and a cause text that repeats it.
  const error = networkFailure(
    denoFetchError(
      "error sending request for url (https://admin:url-pass-123@search.example.com:9200/): " +
        "client error (Connect): tcp connect error: Connection refused (os error 111)",
    ),
    context("https://admin:url-pass-123@search.example.com:9200/"),
  );
  assertNoSecret(error.message);
  assertNoSecret(error.url);
  const odd = networkFailure(
    denoFetchError(
      "error sending request for url (https://admin:url-pass-123@search.example.com:9200/): " +
        "client error (Connect): something new",
    ),
    context("https://admin:url-pass-123@search.example.com:9200/"),
  );
  assertNoSecret(odd.message);
});

Deno.test("URLs are shown without user info and paths resolve under a base path", () => {
  assertEquals(shownUrl(new URL("https://u:p@h:9200/")), "https://h:9200");
  assertEquals(shownUrl(new URL("https://u:p@h:9200/a?b=1")), "https://h:9200/a?b=1");
  assertEquals(
    shownUrl(new URL("http://h:9200/_bulk?pipeline=_none&filter_path=errors%2Citems.*.status")),
    "http://h:9200/_bulk?pipeline=_none",
  );
  const client = new ClusterClient(endpoint({ kind: "none" }));
  assertEquals(
    client.resolve("/_cat/indices?format=json", { h: "index,docs.count", bytes: undefined }).href,
    "https://search.example.com:9200/prefix/_cat/indices?format=json&h=index%2Cdocs.count",
  );
  // Spaces travel as %20, never `+`, so SigV4 and the cluster read the query alike.
  assertEquals(
    client.resolve("logs/_search", { q: "msg:a b", size: 0 }).href,
    "https://search.example.com:9200/prefix/logs/_search?q=msg%3Aa%20b&size=0",
  );
});

Deno.test("a port that answered in another protocol is named by the bytes it sent", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  assertEquals(foreignProtocol({ answer: bytes("This is not an HTTP port") }), "transport");
  assertEquals(foreignProtocol({ answer: new Uint8Array([0x45, 0x53, 0, 0, 0, 6]) }), "transport");
  assertEquals(foreignProtocol({ answer: new Uint8Array([21, 3, 3, 0, 2, 2, 50]) }), "tls");
  assertEquals(foreignProtocol({ answer: new Uint8Array(), speaksTls: true }), "tls");
  assertEquals(foreignProtocol({ answer: bytes("SSH-2.0-OpenSSH_9.6") }), "other");
  assertEquals(foreignProtocol({ answer: bytes("HTTP/1.1 200 OK") }), undefined);
  assertEquals(foreignProtocol(undefined), undefined);
  // What Deno's fetch throws at a transport port; with the probe's bytes, the message says so.
  const error = denoFetchError(
    "error sending request from 127.0.0.1:50000 for http://127.0.0.1:29301/ (127.0.0.1:29301): " +
      "client error (SendRequest): invalid HTTP version parsed",
  );
  const context = {
    method: "GET",
    url: new URL("http://127.0.0.1:29301/"),
    timedOut: false,
    timeoutMs: 30_000,
  };
  const transport = networkFailure(error, {
    ...context,
    probe: { answer: bytes("This is not an HTTP port") },
  });
  assertEquals(transport.kind, "protocol");
  assertEquals(transport.errorKind, "unreachable");
  assertStringIncludes(transport.message, "this is the transport port (usually 9300)");
  assertEquals(
    transport.hint,
    "use the cluster's HTTP port (usually 9200), e.g. http://127.0.0.1:9200",
  );
  // Without a probe, still not retried and still not "check the network".
  assertEquals(networkFailure(error, context).kind, "protocol");
  const tls = networkFailure(error, { ...context, probe: { answer: new Uint8Array([21, 3, 3]) } });
  assertEquals(tls.kind, "tls");
  assertEquals(tls.hint, "use https://127.0.0.1:29301 instead of http://127.0.0.1:29301");
});

Deno.test("a timeout after retries says how many attempts and how long in all", () => {
  const timeout = networkFailure(
    new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    {
      method: "GET",
      url: new URL("http://10.0.0.9:9200/"),
      timedOut: true,
      timeoutMs: 30_000,
      attempts: 4,
      elapsedMs: 121_400,
    },
  );
  assertEquals(
    timeout.message,
    "no answer from 10.0.0.9:9200 within 30 s (4 attempts, 2m01s in all) (GET http://10.0.0.9:9200)",
  );
  assertEquals(formatElapsed(4_560), "4.6 s");
  assertEquals(formatElapsed(42_000), "42 s");
});

Deno.test("GET / answered by a web server: status, content type and title, exit 3", () => {
  const page = {
    status: 404,
    contentType: "text/html; charset=utf-8",
    body: "<title>Oops</title>",
  };
  assert(foreignRoot(page));
  assert(foreignRoot({ status: 200, contentType: "text/plain", body: "ok" }));
  assert(!foreignRoot({ status: 503, contentType: "application/json", body: { error: "x" } }));
  const error = notClusterApi(new URL("https://lb.example/"), page, "source");
  assertEquals(error.errorKind, "unreachable");
  assertEquals(
    error.message,
    "https://lb.example is not an Elasticsearch or OpenSearch REST API: GET / answered 404, " +
      'text/html, page "Oops" (a proxy, a load balancer or another web server answers there)',
  );
  assertMatch(error.hint ?? "", /the URL in --source \(or the pipeline's source\) must reach/);
});

Deno.test("https:// to a port that ended the handshake: the port's plain answer names it", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const eof = denoFetchError(
    "error sending request for url (https://127.0.0.1:29301/): client error (Connect): " +
      "tls handshake eof",
  );
  const context = {
    method: "GET",
    url: new URL("https://127.0.0.1:29301/"),
    timedOut: false,
    timeoutMs: 30_000,
  };
  const transport = networkFailure(eof, {
    ...context,
    probe: { answer: bytes("This is not an HTTP port") },
  });
  assertEquals(transport.kind, "protocol");
  assertStringIncludes(transport.message, "this is the transport port");
  const plain = networkFailure(eof, { ...context, probe: { answer: bytes("HTTP/1.1 400 Bad") } });
  assertEquals(plain.kind, "tls");
  assertStringIncludes(plain.message, "does not speak TLS, but the URL says https://");
  // A TLS alert to the plain look is no news on an https:// URL: the generic message stays.
  const alert = networkFailure(eof, { ...context, probe: { answer: new Uint8Array([21, 3, 3]) } });
  assertEquals(alert.kind, "unreachable");
});
