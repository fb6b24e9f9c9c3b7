/** Pure parts of the cluster client: version detection, retry schedule, error reasons. */
import { assert, assertEquals } from "../assert.ts";
import { parseNodesInfo, parseRootInfo, supportsPointInTime } from "../../src/cluster/version.ts";
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  retryAfterDelay,
} from "../../src/cluster/retry.ts";
import { errorReason } from "../../src/cluster/client.ts";

// Bodies of GET / as the test nodes answered them (trimmed to the fields read).
const ES6_OSS = {
  cluster_name: "fm-es6",
  version: { number: "6.8.23", build_flavor: "oss", build_type: "zip", lucene_version: "7.7.3" },
  tagline: "You Know, for Search",
};
const ES7 = { cluster_name: "fm-es7", version: { number: "7.10.2", build_flavor: "oss" } };
const ES7_DEFAULT = { cluster_name: "c", version: { number: "7.17.29", build_flavor: "default" } };
const OS1 = { cluster_name: "fm-os1", version: { distribution: "opensearch", number: "1.3.20" } };
const OS2 = { cluster_name: "fm-os2", version: { distribution: "opensearch", number: "2.19.6" } };
const OS3 = { cluster_name: "fm-os3", version: { distribution: "opensearch", number: "3.6.0" } };
const OS_COMPAT = { cluster_name: "c", version: { distribution: "opensearch", number: "7.10.2" } };

Deno.test("GET / bodies of every supported distribution are recognised", () => {
  assertEquals(parseRootInfo(ES6_OSS), {
    distribution: "elasticsearch",
    version: "6.8.23",
    major: 6,
    minor: 8,
    patch: 23,
    clusterName: "fm-es6",
    buildFlavor: "oss",
  });
  assertEquals(parseRootInfo(ES7).distribution, "elasticsearch");
  assertEquals(parseRootInfo(OS1).major, 1);
  assertEquals(parseRootInfo(OS2).minor, 19);
  assertEquals(parseRootInfo(OS3).distribution, "opensearch");
  // OpenSearch's compatibility mode pretends to be 7.10.2 but still names itself.
  assertEquals(parseRootInfo(OS_COMPAT).distribution, "opensearch");
});

Deno.test("the _nodes fallback tells Elasticsearch from OpenSearch", () => {
  const es8 = {
    cluster_name: "fm-es8",
    nodes: { a: { version: "8.19.21", build_flavor: "default" } },
  };
  assertEquals(parseNodesInfo(es8, true).distribution, "elasticsearch");
  assertEquals(parseNodesInfo(es8, false).distribution, "elasticsearch");
  const os2 = { cluster_name: "fm-os2", nodes: { b: { version: "2.19.6" } } };
  assertEquals(parseNodesInfo(os2, false), {
    distribution: "opensearch",
    version: "2.19.6",
    major: 2,
    minor: 19,
    patch: 6,
    clusterName: "fm-os2",
  });
});

Deno.test("an answer without a version is refused with a question", () => {
  let message = "";
  try {
    parseRootInfo({ hello: "world" });
  } catch (error) {
    message = (error as Error).message;
  }
  assert(message.includes("version.number"));
});

Deno.test("point in time: ES 7.10+ default flavor and OpenSearch 2.4+", () => {
  assertEquals(supportsPointInTime(parseRootInfo(ES6_OSS)), false);
  assertEquals(supportsPointInTime(parseRootInfo(ES7)), false);
  assertEquals(supportsPointInTime(parseRootInfo(ES7_DEFAULT)), true);
  assertEquals(supportsPointInTime(parseRootInfo(OS1)), false);
  assertEquals(supportsPointInTime(parseRootInfo(OS2)), true);
  assertEquals(supportsPointInTime(parseRootInfo(OS3)), true);
});

Deno.test("retry: 429 and gateway errors retry; client and server errors do not", () => {
  for (const status of [429, 502, 503, 504]) assert(isRetryableStatus(status), String(status));
  for (const status of [200, 400, 401, 403, 404, 409, 500]) {
    assert(!isRetryableStatus(status), String(status));
  }
});

Deno.test("retry: full-jitter backoff doubles its ceiling and respects the cap", () => {
  const policy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 1000 };
  assertEquals([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 0.999)), [
    99,
    199,
    399,
    799,
    999,
  ]);
  assertEquals(backoffDelay(3, policy, () => 0), 0);
  assert(DEFAULT_RETRY.maxAttempts >= 2);
});

Deno.test("retry: Retry-After in seconds or as a date, capped", () => {
  const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000 };
  assertEquals(retryAfterDelay("2", policy, 0), 2000);
  assertEquals(retryAfterDelay("120", policy, 0), 5000);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assertEquals(retryAfterDelay("Thu, 01 Jan 2026 00:00:03 GMT", policy, now), 3000);
  assertEquals(retryAfterDelay(null, policy, now), undefined);
  assertEquals(retryAfterDelay("soon", policy, now), undefined);
});

Deno.test("error reasons: structured, root cause, string and proxy HTML bodies", () => {
  assertEquals(
    errorReason({
      error: {
        root_cause: [{
          type: "resource_already_exists_exception",
          reason: "index [a] already exists",
        }],
        type: "resource_already_exists_exception",
        reason: "index [a] already exists",
      },
      status: 400,
    }),
    "resource_already_exists_exception: index [a] already exists",
  );
  assertEquals(
    errorReason({
      error: {
        root_cause: [{ type: "illegal_argument_exception", reason: "unknown setting [index.foo]" }],
        type: "settings_exception",
        reason: "failed to create",
      },
    }),
    "settings_exception: failed to create (caused by illegal_argument_exception: unknown setting [index.foo])",
  );
  assertEquals(
    errorReason({ error: "IndexMissingException[[x] missing]" }),
    "IndexMissingException[[x] missing]",
  );
  assertEquals(
    errorReason("<html><head><title>401 Authorization Required</title></head></html>"),
    "401 Authorization Required",
  );
  assertEquals(errorReason({}), undefined);
});
