/**
 * Client certificates from flags and pipeline keys: both files or neither, PEM checked, an
 * encrypted key decrypted with its passphrase from the environment, and every refusal naming the
 * flag or key and the fix, never the key or the passphrase.
 */
import { assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { generateKeyPairSync } from "node:crypto";
import { readClientCertificate } from "../../src/config/client-cert.ts";
import { BadInputError } from "../../src/errors.ts";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PASSPHRASE = "correct horse";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
const PLAIN_KEY = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const ENCRYPTED_KEY = privateKey.export({
  type: "pkcs8",
  format: "pem",
  cipher: "aes-256-cbc",
  passphrase: PASSPHRASE,
}).toString();
const FILES: Record<string, string> = {
  "cert.pem": CERT,
  "key.pem": PLAIN_KEY,
  "encrypted.pem": ENCRYPTED_KEY,
};
const read = (path: string) =>
  FILES[path] !== undefined ? Promise.resolve(FILES[path]) : Promise.reject(new Error("ENOENT"));
const NAMES = { cert: "--target-client-cert", key: "--target-client-key" };
const ENV_NAME = "FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE";

Deno.test("client certificate: neither file is no certificate; one without the other is refused", async () => {
  assertEquals(await readClientCertificate("target", {}, NAMES, {}, read), undefined);
  const error = await assertRejects(() =>
    readClientCertificate("target", { cert: "cert.pem" }, NAMES, {}, read)
  ) as BadInputError;
  assertStringIncludes(error.message, "--target-client-cert is given without --target-client-key");
});

Deno.test("client certificate: a plain key is taken as it is", async () => {
  const read_ = await readClientCertificate(
    "target",
    { cert: "cert.pem", key: "key.pem" },
    NAMES,
    {},
    read,
  );
  assertEquals(read_?.key, PLAIN_KEY);
  assertEquals(read_?.keyEncrypted, false);
  assertEquals(read_?.certPath, "cert.pem");
});

Deno.test("client certificate: an encrypted key needs the passphrase from the environment, and a wrong one is refused", async () => {
  const paths = { cert: "cert.pem", key: "encrypted.pem" };
  const none = await assertRejects(() =>
    readClientCertificate("target", paths, NAMES, {}, read)
  ) as BadInputError;
  assertStringIncludes(none.message, `is encrypted, and ${ENV_NAME} is not set`);
  assertStringIncludes(none.hint!, "openssl pkey");
  const wrong = await assertRejects(() =>
    readClientCertificate("target", paths, NAMES, { [ENV_NAME]: "wrong" }, read)
  ) as BadInputError;
  assertStringIncludes(wrong.message, "cannot be decrypted");
  assertEquals(wrong.message.includes("wrong"), false, "the passphrase is never printed");
  const decrypted = await readClientCertificate(
    "target",
    paths,
    NAMES,
    { [ENV_NAME]: PASSPHRASE },
    read,
  );
  assertStringIncludes(decrypted!.key, "-----BEGIN PRIVATE KEY-----");
  assertEquals(decrypted!.keyEncrypted, true);
});

Deno.test("client certificate: a file that is no PEM certificate or key, or cannot be read, names the flag", async () => {
  const notCert = await assertRejects(() =>
    readClientCertificate("target", { cert: "key.pem", key: "key.pem" }, NAMES, {}, read)
  ) as BadInputError;
  assertStringIncludes(notCert.message, "key.pem (--target-client-cert) holds no PEM certificate");
  const notKey = await assertRejects(() =>
    readClientCertificate("target", { cert: "cert.pem", key: "cert.pem" }, NAMES, {}, read)
  ) as BadInputError;
  assertStringIncludes(notKey.message, "(--target-client-key) holds no PEM private key");
  const missing = await assertRejects(() =>
    readClientCertificate("target", { cert: "gone.pem", key: "key.pem" }, NAMES, {}, read)
  ) as BadInputError;
  assertStringIncludes(missing.message, "cannot read the client certificate gone.pem");
});
