/**
 * The harness's node table, checked without starting anything: ports never collide, overrides
 * work, and every added module names what it extends before it.
 */
import { assert, assertEquals } from "../assert.ts";
import {
  analysisCommonModule,
  foreignReason,
  missingJavaMessage,
  NODE_NAMES,
  NODE_SPECS,
  nodePort,
  nodeUrl,
  transportPort,
} from "../harness/nodes.ts";

Deno.test("HTTP and transport ports of all nodes and the proxy are distinct", () => {
  const ports = NODE_NAMES.flatMap((name) => [nodePort(name), transportPort(name)]);
  ports.push(19443);
  assertEquals(new Set(ports).size, ports.length, ports.join(" "));
});

Deno.test("FM_TEST_PORT_<NAME> moves one node and no other", () => {
  Deno.env.set("FM_TEST_PORT_ES7", "29999");
  try {
    assertEquals(nodePort("es7"), 29999);
    assertEquals(nodeUrl("es7"), "http://127.0.0.1:29999");
    assertEquals(nodePort("es6"), 19206);
  } finally {
    Deno.env.delete("FM_TEST_PORT_ES7");
  }
});

Deno.test("each added module comes after the modules it extends", () => {
  for (const name of NODE_NAMES) {
    const seen = new Set<string>();
    for (const module of NODE_SPECS[name].extraModules) {
      for (const base of module.extendedPlugins ?? []) {
        assert(
          seen.has(base),
          `${name}: ${module.name} extends ${base}, listed later or not at all`,
        );
      }
      seen.add(module.name);
    }
  }
  assertEquals(analysisCommonModule("2.19.6").extendedPlugins, ["lang-painless"]);
});

Deno.test("only OpenSearch nodes get modules rebuilt from org.opensearch.plugin jars", () => {
  for (const name of NODE_NAMES) {
    for (const module of NODE_SPECS[name].extraModules) {
      assertEquals(NODE_SPECS[name].product, "opensearch");
      assert(module.artifact.startsWith("org.opensearch.plugin:"), module.artifact);
      assert(module.artifact.endsWith(`:${NODE_SPECS[name].version}`), module.artifact);
    }
  }
});

Deno.test("a node of another cluster or another checkout on our port is named, not reused", () => {
  const base = {
    name: "os2" as const,
    url: nodeUrl("os2"),
    version: "2.19.6",
    distribution: "opensearch" as const,
  };
  const stranger = foreignReason({ ...base, clusterName: "prod", home: "/opt/opensearch" });
  assert(stranger?.includes('cluster "prod"'), stranger);
  const otherCheckout = foreignReason({
    ...base,
    clusterName: "fm-os2",
    home: "/tmp/elsewhere/.test-clusters/os2/home",
  });
  assert(otherCheckout?.includes("another checkout"), otherCheckout);
});

Deno.test("a missing JDK message carries the exact fix", () => {
  const message = missingJavaMessage(NODE_SPECS.os2, "/nowhere");
  assert(message.includes("apt-get install -y openjdk-17-jdk-headless"), message);
  assert(message.includes("FM_JAVA17_HOME"), message);
  assert(missingJavaMessage(NODE_SPECS.os3, "/nowhere").includes("FM_JAVA25_HOME"));
});
