/** Version detection from the answers of real nodes (`GET /` and the `_nodes` fallback). */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  parseNodesInfo,
  parseRootInfo,
  supportsPointInTime,
  withNodesVersion,
} from "../../src/cluster/version.ts";

// Verbatim `GET /` answers of the test nodes (tests/harness), captured with curl.
const ES_6_8_23_OSS = {
  name: "fm-es6-0",
  cluster_name: "fm-es6",
  cluster_uuid: "l5Ml8w3aQvK_NOrmi3Ikug",
  version: {
    number: "6.8.23",
    build_flavor: "oss",
    build_type: "zip",
    build_hash: "4f67856",
    build_date: "2022-01-06T21:30:50.087716Z",
    build_snapshot: false,
    lucene_version: "7.7.3",
    minimum_wire_compatibility_version: "5.6.0",
    minimum_index_compatibility_version: "5.0.0",
  },
  tagline: "You Know, for Search",
};
const ES_7_10_2_OSS = {
  name: "fm-es7-0",
  cluster_name: "fm-es7",
  cluster_uuid: "yEEX79BgQ66XYgPltiMD1g",
  version: {
    number: "7.10.2",
    build_flavor: "oss",
    build_type: "zip",
    build_hash: "747e1cc71def077253878a59143c1f785afa92b9",
    build_date: "2021-01-13T00:42:12.435326Z",
    build_snapshot: false,
    lucene_version: "8.7.0",
    minimum_wire_compatibility_version: "6.8.0",
    minimum_index_compatibility_version: "6.0.0-beta1",
  },
  tagline: "You Know, for Search",
};
const OS_1_3_20 = {
  name: "fm-os1-0",
  cluster_name: "fm-os1",
  cluster_uuid: "DXW0SysvSe6VCvs9hd9E7Q",
  version: {
    distribution: "opensearch",
    number: "1.3.20",
    build_type: "zip",
    build_hash: "31afd17a1b5a22338307e1f4a78092887c1490e3",
    build_date: "2024-12-11T19:27:34.674387Z",
    build_snapshot: false,
    lucene_version: "8.10.1",
    minimum_wire_compatibility_version: "6.8.0",
    minimum_index_compatibility_version: "6.0.0-beta1",
  },
  tagline: "The OpenSearch Project: https://opensearch.org/",
};
const OS_2_19_6 = {
  name: "fm-os2-0",
  cluster_name: "fm-os2",
  cluster_uuid: "osmtZzXzQQWQAQv5LY7yQg",
  version: {
    distribution: "opensearch",
    number: "2.19.6",
    build_type: "zip",
    build_hash: "97d3c13bf22a4a72ac11dc503fe44c97662b9161",
    build_date: "2026-07-01T04:27:16.038403104Z",
    build_snapshot: false,
    lucene_version: "9.12.3",
    minimum_wire_compatibility_version: "7.10.0",
    minimum_index_compatibility_version: "7.0.0",
  },
  tagline: "The OpenSearch Project: https://opensearch.org/",
};
const OS_3_6_0 = {
  name: "fm-os3-0",
  cluster_name: "fm-os3",
  cluster_uuid: "iWRc-5nURRqysOYwz_EgsA",
  version: {
    distribution: "opensearch",
    number: "3.6.0",
    build_type: "zip",
    build_hash: "4ca747d8d47f80162db323019357447126732e35",
    build_date: "2026-04-04T06:02:43.418927856Z",
    build_snapshot: false,
    lucene_version: "10.4.0",
    minimum_wire_compatibility_version: "2.19.0",
    minimum_index_compatibility_version: "2.0.0",
  },
  tagline: "The OpenSearch Project: https://opensearch.org/",
};
// Verbatim `_nodes/_local?filter_path=...` answers: the ES 8 test node (an integ-test zip)
// answers 405 to `GET /`, so this is how its version is read; it also sends
// `X-elastic-product: Elasticsearch`. OpenSearch sends no such header.
const ES_8_19_21_NODES = {
  cluster_name: "fm-es8",
  nodes: { "FIi_iBD9SYqTyTZ5o4I9Fg": { version: "8.19.21", build_flavor: "default" } },
};
const OS_1_3_20_NODES = {
  cluster_name: "fm-os1",
  nodes: { "LzHr9FXOSfe-ZL8D3sdDfg": { version: "1.3.20" } },
};

// Not captured (no such node here): the default-flavor 7.10.2 differs from the oss body above
// only in `build_flavor`; a full ES 8.19 distribution answers `GET /` in the same shape; an
// OpenSearch 1.x with `compatibility.override_main_response_version: true` keeps its
// distribution but reports 7.10.2 as its number.
const ES_7_10_2_DEFAULT = {
  ...ES_7_10_2_OSS,
  version: { ...ES_7_10_2_OSS.version, build_flavor: "default" },
};
const ES_8_19_21 = {
  name: "node-1",
  cluster_name: "fm-es8",
  version: {
    number: "8.19.21",
    build_flavor: "default",
    build_type: "tar",
    build_snapshot: false,
    minimum_wire_compatibility_version: "7.17.0",
    minimum_index_compatibility_version: "7.0.0",
  },
  tagline: "You Know, for Search",
};
const OS_1_3_20_COMPAT = {
  ...OS_1_3_20,
  version: { ...OS_1_3_20.version, number: "7.10.2" },
};

Deno.test("GET /: Elasticsearch 6, 7 and 8 in both flavors", () => {
  assertEquals(parseRootInfo(ES_6_8_23_OSS), {
    distribution: "elasticsearch",
    version: "6.8.23",
    major: 6,
    minor: 8,
    patch: 23,
    clusterName: "fm-es6",
    clusterUuid: ES_6_8_23_OSS.cluster_uuid,
    buildFlavor: "oss",
  });
  assertEquals(parseRootInfo(ES_7_10_2_OSS), {
    distribution: "elasticsearch",
    version: "7.10.2",
    major: 7,
    minor: 10,
    patch: 2,
    clusterName: "fm-es7",
    clusterUuid: ES_7_10_2_OSS.cluster_uuid,
    buildFlavor: "oss",
  });
  assertEquals(parseRootInfo(ES_7_10_2_DEFAULT).buildFlavor, "default");
  assertEquals(parseRootInfo(ES_8_19_21), {
    distribution: "elasticsearch",
    version: "8.19.21",
    major: 8,
    minor: 19,
    patch: 21,
    clusterName: "fm-es8",
    buildFlavor: "default",
  });
});

Deno.test("GET /: OpenSearch 1, 2 and 3", () => {
  assertEquals(parseRootInfo(OS_1_3_20), {
    distribution: "opensearch",
    version: "1.3.20",
    major: 1,
    minor: 3,
    patch: 20,
    clusterName: "fm-os1",
    clusterUuid: OS_1_3_20.cluster_uuid,
  });
  assertEquals(parseRootInfo(OS_2_19_6), {
    distribution: "opensearch",
    version: "2.19.6",
    major: 2,
    minor: 19,
    patch: 6,
    clusterName: "fm-os2",
    clusterUuid: OS_2_19_6.cluster_uuid,
  });
  assertEquals(parseRootInfo(OS_3_6_0), {
    distribution: "opensearch",
    version: "3.6.0",
    major: 3,
    minor: 6,
    patch: 0,
    clusterName: "fm-os3",
    clusterUuid: OS_3_6_0.cluster_uuid,
  });
});

Deno.test("GET /: OpenSearch in compatibility mode is OpenSearch, and its real version is read", () => {
  const pretended = parseRootInfo(OS_1_3_20_COMPAT);
  assertEquals(pretended.distribution, "opensearch");
  assertEquals(pretended.compatibilityMode, true);
  assertEquals(withNodesVersion(pretended, OS_1_3_20_NODES), {
    distribution: "opensearch",
    version: "1.3.20",
    major: 1,
    minor: 3,
    patch: 20,
    clusterName: "fm-os1",
    clusterUuid: OS_1_3_20.cluster_uuid,
    compatibilityMode: true,
  });
  // Real 7.x Elasticsearch is not mistaken for it.
  assertEquals(parseRootInfo(ES_7_10_2_OSS).compatibilityMode, undefined);
});

Deno.test("_nodes fallback: Elasticsearch by header or build flavor, else OpenSearch", () => {
  assertEquals(parseNodesInfo(ES_8_19_21_NODES, true), {
    distribution: "elasticsearch",
    version: "8.19.21",
    major: 8,
    minor: 19,
    patch: 21,
    clusterName: "fm-es8",
    buildFlavor: "default",
  });
  assertEquals(parseNodesInfo(ES_8_19_21_NODES, false).distribution, "elasticsearch");
  assertEquals(parseNodesInfo(OS_1_3_20_NODES, false), {
    distribution: "opensearch",
    version: "1.3.20",
    major: 1,
    minor: 3,
    patch: 20,
    clusterName: "fm-os1",
  });
});

Deno.test("an answer that is not a cluster's is refused with a question", () => {
  for (const body of [{ hello: "world" }, "<html>it works</html>", null]) {
    let message = "";
    try {
      parseRootInfo(body);
    } catch (error) {
      message = (error as Error).message;
    }
    assertMatch(message, /no version\.number/);
  }
  let nodesMessage = "";
  try {
    parseNodesInfo({ nodes: {} }, false);
  } catch (error) {
    nodesMessage = (error as Error).message;
  }
  assert(nodesMessage.includes("names no version"));
});

Deno.test("point in time: Elasticsearch 7.10+ outside the OSS flavor, OpenSearch 2.4+", () => {
  assertEquals(supportsPointInTime(parseRootInfo(ES_6_8_23_OSS)), false);
  assertEquals(supportsPointInTime(parseRootInfo(ES_7_10_2_OSS)), false);
  assertEquals(supportsPointInTime(parseRootInfo(ES_7_10_2_DEFAULT)), true);
  assertEquals(supportsPointInTime(parseRootInfo(ES_8_19_21)), true);
  assertEquals(supportsPointInTime(parseRootInfo(OS_1_3_20)), false);
  assertEquals(supportsPointInTime(parseRootInfo(OS_2_19_6)), true);
  assertEquals(supportsPointInTime(parseRootInfo(OS_3_6_0)), true);
  const os23 = parseRootInfo({ version: { distribution: "opensearch", number: "2.3.0" } });
  assertEquals(supportsPointInTime(os23), false);
});
