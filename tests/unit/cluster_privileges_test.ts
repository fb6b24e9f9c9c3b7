/**
 * Privileges in words: what each duty asks the source for, what `_has_privileges` says is
 * missing, what to grant from each product's refusal, AWS's refusals of a signature, and the
 * TLS alerts a server sends about a client certificate.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import {
  errorReason,
  httpFailure,
  networkFailure,
  privilegeHint,
} from "../../src/cluster/errors.ts";
import { missingPrivileges, sourcePrivileges } from "../../src/cluster/privileges.ts";

Deno.test("the source duties: read, copy adds maintenance (the refresh), freeze adds manage", () => {
  assertEquals(sourcePrivileges("read", ["a"]), {
    cluster: ["monitor", "read_pipeline"],
    index: [{ names: ["a"], privileges: ["view_index_metadata", "monitor", "read"] }],
  });
  assertEquals(sourcePrivileges("copy", ["a"]).index[0].privileges.at(-1), "maintenance");
  assertEquals(sourcePrivileges("freeze", ["a"]).index[0].privileges.slice(-2), [
    "maintenance",
    "manage",
  ]);
  assertEquals(sourcePrivileges("copy", []).index, [], "no index, no index privileges asked");
});

Deno.test("what _has_privileges says is missing: cluster privileges, then index privileges with the indices lacking them", () => {
  const missing = missingPrivileges({
    username: "migrator",
    has_all_requested: false,
    cluster: { monitor: true, read_pipeline: false },
    index: {
      a: { read: true, maintenance: false },
      b: { read: true, maintenance: false },
      c: { read: false, maintenance: false },
      d: { read: true, maintenance: true },
    },
  });
  assertEquals(missing, [
    "cluster privilege read_pipeline",
    "index privilege maintenance on a, b",
    "index privileges read, maintenance on c",
  ]);
});

Deno.test("what to grant comes from the refusal: Elasticsearch names the privileges, OpenSearch the action", () => {
  const elastic = "action [indices:data/read/search] is unauthorized for user [u] with " +
    "effective roles [r] on indices [logs-1], this action is granted by the index privileges " +
    "[read,all]";
  assertStringIncludes(privilegeHint(elastic), "grant one of the index privileges [read,all]");
  assertStringIncludes(privilegeHint(elastic), "on logs-1");
  const opensearch = "no permissions for [indices:admin/create] and User [name=u, " +
    "backend_roles=[], requestedTenant=null]";
  assertStringIncludes(privilegeHint(opensearch), "allow indices:admin/create");
  assertStringIncludes(privilegeHint(undefined), "lack the privilege");
});

Deno.test("a 403 names the user and the privilege; an API key and a certificate are said as such", () => {
  const url = new URL("https://os:9200/logs/_bulk");
  const body = {
    error: { type: "security_exception", reason: "no permissions for [indices:data/write/bulk]" },
  };
  const basic = httpFailure({
    method: "POST",
    url,
    status: 403,
    body,
    authKind: "basic",
    username: "migrator",
    role: "target",
  });
  assertStringIncludes(
    basic.message,
    "permission denied (403) at https://os:9200 as user migrator",
  );
  assertStringIncludes(basic.hint!, "allow indices:data/write/bulk");
  const certificate = httpFailure({
    method: "POST",
    url,
    status: 403,
    body,
    authKind: "none",
    clientCertPath: "/etc/fm/client.pem",
  });
  assertStringIncludes(certificate.message, "with the client certificate /etc/fm/client.pem");
  const key = httpFailure({ method: "GET", url, status: 401, body: {}, authKind: "apiKey" });
  assertStringIncludes(
    key.message,
    "authentication failed (401) at https://os:9200 with the API key",
  );
});

Deno.test("AWS's refusal of a signature is an authentication failure with the SigV4 hint, its message kept", () => {
  const message = "The request signature we calculated does not match the signature you " +
    "provided. Check your AWS Secret Access Key and signing method.";
  assertEquals(errorReason({ message })?.startsWith("The request signature"), true);
  assertEquals(
    errorReason({ Message: "User: arn:aws:iam::1:user/x is not authorized" }) !==
      undefined,
    true,
  );
  const refused = httpFailure({
    method: "GET",
    url: new URL("https://search.example.com/_cat/indices"),
    status: 403,
    body: { message },
    authKind: "sigv4",
  });
  assertStringIncludes(refused.message, "authentication failed (403)");
  assertStringIncludes(refused.hint!, "check the AWS credentials, region and service");
});

Deno.test("a TLS alert about the client certificate names it, or says one is needed", () => {
  const alert = new TypeError("fetch failed", {
    cause: new Error("client error (Connect): received fatal alert: CertificateUnknown"),
  });
  const url = new URL("https://os:9200/");
  const withCert = networkFailure(alert, {
    method: "GET",
    url,
    timedOut: false,
    timeoutMs: 30_000,
    role: "target",
    clientCertPath: "/etc/fm/stranger.pem",
  });
  assertEquals(withCert.kind, "tls");
  assertStringIncludes(withCert.message, "refused the client certificate /etc/fm/stranger.pem");
  assertStringIncludes(withCert.hint!, "--target-client-cert/--target-client-key");
  const without = networkFailure(alert, {
    method: "GET",
    url,
    timedOut: false,
    timeoutMs: 30_000,
    role: "source",
  });
  assertStringIncludes(without.message, "asks for a client certificate");
  assertStringIncludes(without.hint!, "--source-client-cert/--source-client-key");
});
