/**
 * SigV4 against AWS's published signature test suite (aws-sig-v4-test-suite, 2015-08-30 set):
 * credentials AKIDEXAMPLE, region us-east-1, service "service", host example.amazonaws.com.
 * A signer that is nearly right is rejected by AWS without explanation, so only answers that
 * AWS computed count here.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { signRequest } from "../../src/cluster/sigv4.ts";

const credentials = () =>
  Promise.resolve({
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  });
const SIGNING_DATE = new Date("2015-08-30T12:36:00Z");
const SCOPE = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

async function authorization(method: string, url: string): Promise<string> {
  const headers = await signRequest(
    { method, url: new URL(url), headers: {} },
    { region: "us-east-1", service: "service", credentials },
    SIGNING_DATE,
  );
  return headers.authorization;
}

const VECTORS: Array<[name: string, method: string, url: string, signature: string]> = [
  [
    "get-vanilla",
    "GET",
    "https://example.amazonaws.com/",
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  ],
  [
    "get-vanilla-query-order-key-case",
    "GET",
    "https://example.amazonaws.com/?Param2=value2&Param1=value1",
    "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  ],
  [
    "get-vanilla-query-unreserved",
    "GET",
    "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
  ],
  [
    "post-vanilla",
    "POST",
    "https://example.amazonaws.com/",
    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
  ],
];

for (const [name, method, url, signature] of VECTORS) {
  Deno.test(`SigV4 reproduces the AWS test suite's ${name}`, async () => {
    assertEquals(
      await authorization(method, url),
      `AWS4-HMAC-SHA256 ${SCOPE}, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    );
  });
}

Deno.test("SigV4 for aoss signs the payload hash OpenSearch Serverless requires", async () => {
  const body = '{"query":{"match_all":{}}}';
  const headers = await signRequest(
    {
      method: "POST",
      url: new URL("https://abc.us-east-1.aoss.amazonaws.com/logs/_search"),
      headers: { "content-type": "application/json" },
      body,
    },
    { region: "us-east-1", service: "aoss", credentials },
    SIGNING_DATE,
  );
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  assertEquals(headers["x-amz-content-sha256"], hex);
  assertMatch(
    headers.authorization,
    /SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,/,
  );
  assertMatch(headers.authorization, /\/us-east-1\/aoss\/aws4_request/);
});
