/**
 * SigV4 against AWS's published answers, so that a signer that is nearly right (which AWS
 * rejects without saying why) fails here instead:
 * - the AWS SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30 set): credentials AKIDEXAMPLE,
 *   region us-east-1, service "service", host example.amazonaws.com, 20150830T123600Z;
 * - the IAM ListUsers example of the AWS General Reference ("Signature Version 4 signing
 *   process"), whose string to sign ends in f536975d... and whose signature is 5d672d79...
 * Each expected value is AWS's, byte for byte; none was computed by the code under test.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { memoizeCredentials, sha256Hex, signRequest } from "../../src/cluster/sigv4.ts";

const credentials = () =>
  Promise.resolve({
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  });
const SIGNING_DATE = new Date("2015-08-30T12:36:00Z");
const SUITE_SCOPE = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

interface Vector {
  name: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signedHeaders: string;
  signature: string;
}

const SUITE: Vector[] = [
  {
    name: "get-vanilla",
    method: "GET",
    url: "https://example.amazonaws.com/",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  },
  {
    name: "get-vanilla-query-order-key-case",
    method: "GET",
    url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  },
  {
    name: "get-vanilla-query-unreserved",
    method: "GET",
    url:
      "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    signedHeaders: "host;x-amz-date",
    signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
  },
  {
    // The query name is UTF-8; the URL carries it percent-encoded, as on the wire.
    name: "get-vanilla-utf8-query",
    method: "GET",
    url: "https://example.amazonaws.com/?%E1%88%B4=bar",
    signedHeaders: "host;x-amz-date",
    signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
  },
  {
    name: "post-vanilla",
    method: "POST",
    url: "https://example.amazonaws.com/",
    signedHeaders: "host;x-amz-date",
    signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
  },
  {
    name: "post-vanilla-query",
    method: "POST",
    url: "https://example.amazonaws.com/?Param1=value1",
    signedHeaders: "host;x-amz-date",
    signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
  },
  {
    name: "post-header-key-sort",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "My-Header1": "value1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
  },
  {
    name: "post-header-value-case",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "My-Header1": "VALUE1" },
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
  },
  {
    // A body: its hash enters the canonical request, and content-type is signed.
    name: "post-x-www-form-urlencoded",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
  {
    name: "post-x-www-form-urlencoded-parameters",
    method: "POST",
    url: "https://example.amazonaws.com/",
    headers: { "Content-Type": "application/x-www-form-urlencoded; charset=utf8" },
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
  },
];

for (const vector of SUITE) {
  Deno.test(`SigV4 reproduces the AWS test suite's ${vector.name}`, async () => {
    const headers = await signRequest(
      {
        method: vector.method,
        url: new URL(vector.url),
        headers: vector.headers ?? {},
        body: vector.body,
      },
      { region: "us-east-1", service: "service", credentials },
      SIGNING_DATE,
    );
    assertEquals(headers["x-amz-date"], "20150830T123600Z");
    assertEquals(
      headers.authorization,
      `AWS4-HMAC-SHA256 ${SUITE_SCOPE}, SignedHeaders=${vector.signedHeaders}, ` +
        `Signature=${vector.signature}`,
    );
  });
}

Deno.test("SigV4 reproduces the AWS test suite's post-sts-header-before (session token)", async () => {
  const token =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  const headers = await signRequest(
    { method: "POST", url: new URL("https://example.amazonaws.com/"), headers: {} },
    {
      region: "us-east-1",
      service: "service",
      credentials: async () => ({ ...await credentials(), sessionToken: token }),
    },
    SIGNING_DATE,
  );
  assertEquals(headers["x-amz-security-token"], token);
  assertEquals(
    headers.authorization,
    `AWS4-HMAC-SHA256 ${SUITE_SCOPE}, SignedHeaders=host;x-amz-date;x-amz-security-token, ` +
      "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
  );
});

Deno.test("SigV4 reproduces the AWS General Reference's IAM ListUsers example", async () => {
  const headers = await signRequest(
    {
      method: "GET",
      url: new URL("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"),
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    },
    { region: "us-east-1", service: "iam", credentials },
    SIGNING_DATE,
  );
  assertEquals(
    headers.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
      "SignedHeaders=content-type;host;x-amz-date, " +
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
  );
});

Deno.test("SigV4 for aoss sends and signs the hash of exactly the body sent", async () => {
  const body = '{"index":{"_index":"logs"}}\n{"msg":"héllo"}\n';
  const headers = await signRequest(
    {
      method: "POST",
      url: new URL("https://abc.us-east-1.aoss.amazonaws.com/_bulk"),
      headers: { "content-type": "application/x-ndjson" },
      body,
    },
    { region: "us-east-1", service: "aoss", credentials },
    SIGNING_DATE,
  );
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  assertEquals(headers["x-amz-content-sha256"], hex);
  assertEquals(await sha256Hex(new TextEncoder().encode(body)), hex);
  assertMatch(
    headers.authorization,
    /SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,/,
  );
  assertMatch(headers.authorization, /\/us-east-1\/aoss\/aws4_request/);
  // No body: the hash of the empty string, which AWS documents as e3b0c442...
  const empty = await signRequest(
    { method: "GET", url: new URL("https://abc.us-east-1.aoss.amazonaws.com/"), headers: {} },
    { region: "us-east-1", service: "aoss", credentials },
    SIGNING_DATE,
  );
  assertEquals(
    empty["x-amz-content-sha256"],
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("SigV4 for es signs the payload without sending its hash, and a non-default port", async () => {
  const headers = await signRequest(
    {
      method: "PUT",
      url: new URL("https://search-x.eu-west-1.es.amazonaws.com:8443/logs"),
      headers: { "content-type": "application/json" },
      body: "{}",
    },
    { region: "eu-west-1", service: "es", credentials },
    SIGNING_DATE,
  );
  assertEquals(headers["x-amz-content-sha256"], undefined);
  assertEquals(headers.host, "search-x.eu-west-1.es.amazonaws.com:8443");
  assertMatch(
    headers.authorization,
    /\/eu-west-1\/es\/aws4_request, SignedHeaders=content-type;host;x-amz-date,/,
  );
  const other = await signRequest(
    {
      method: "PUT",
      url: new URL("https://search-x.eu-west-1.es.amazonaws.com:8443/logs"),
      headers: { "content-type": "application/json" },
      body: "{ }",
    },
    { region: "eu-west-1", service: "es", credentials },
    SIGNING_DATE,
  );
  assert(other.authorization !== headers.authorization, "the body must enter the signature");
});

Deno.test("credentials are cached until shortly before they expire, failures are not", async () => {
  let calls = 0;
  let clock = 0;
  const provider = memoizeCredentials(() => {
    calls++;
    return Promise.resolve({
      accessKeyId: `K${calls}`,
      secretAccessKey: "s",
      expiration: new Date(60 * 60_000), // one hour after clock 0
    });
  }, () => clock);
  const [a, b] = await Promise.all([provider(), provider()]);
  assertEquals([a.accessKeyId, b.accessKeyId, calls], ["K1", "K1", 1]);
  clock = 50 * 60_000;
  assertEquals((await provider()).accessKeyId, "K1");
  clock = 56 * 60_000; // within five minutes of expiry
  assertEquals((await provider()).accessKeyId, "K2");
  assertEquals(calls, 2);

  let failures = 0;
  const flaky = memoizeCredentials(() =>
    failures++ === 0
      ? Promise.reject(new Error("no credentials"))
      : Promise.resolve({ accessKeyId: "K", secretAccessKey: "s" })
  );
  let message = "";
  await flaky().catch((error) => message = error.message);
  assertEquals(message, "no credentials");
  assertEquals((await flaky()).accessKeyId, "K");
  assertEquals((await flaky()).accessKeyId, "K");
  assertEquals(failures, 2);
});
