/** Data Prepper's server configuration, `data-prepper-config.yaml`. */
import { assertEquals, assertThrows } from "../assert.ts";
import { dataPrepperConfigYaml } from "../../src/dataprepper/config-writer.ts";
import { parseYaml } from "../../src/deps.ts";

Deno.test("plain HTTP on the given port, Prometheus metrics", () => {
  const text = dataPrepperConfigYaml({ port: 4900 });
  assertEquals(
    text,
    "# Data Prepper server configuration written by fetch-migration.\n\n" +
      "ssl: false\nserverPort: 4900\nmetricRegistries: [Prometheus]\n",
  );
  assertEquals(parseYaml(text), {
    ssl: false,
    serverPort: 4900,
    metricRegistries: ["Prometheus"],
  });
});

Deno.test("TLS when asked: the keystore keys as given, quoted where YAML needs it", () => {
  const text = dataPrepperConfigYaml({
    port: 21_890,
    tls: {
      keyStoreFilePath: "/etc/dp/keystore.p12",
      keyStorePassword: "pa:ss #1",
      privateKeyPassword: "on",
    },
  });
  assertEquals(parseYaml(text, { version: "1.1" }), {
    ssl: true,
    keyStoreFilePath: "/etc/dp/keystore.p12",
    keyStorePassword: "pa:ss #1",
    privateKeyPassword: "on",
    serverPort: 21_890,
    metricRegistries: ["Prometheus"],
  });
  // Passwords not given are left out, not written empty.
  assertEquals(
    parseYaml(dataPrepperConfigYaml({ port: 1, tls: { keyStoreFilePath: "/k.jks" } })),
    { ssl: true, keyStoreFilePath: "/k.jks", serverPort: 1, metricRegistries: ["Prometheus"] },
  );
});

Deno.test("a port outside 1..65535 is refused", () => {
  for (const port of [0, -1, 65_536, 80.5, Number.NaN]) {
    assertThrows(() => dataPrepperConfigYaml({ port }), RangeError);
  }
});
