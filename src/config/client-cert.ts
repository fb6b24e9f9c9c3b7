/**
 * Client certificates (TLS client authentication): a PEM certificate and its PEM key, from
 * `--<role>-client-cert/--<role>-client-key` or the pipeline's `authentication.client_certificate`
 * and `client_key` (Data Prepper's names in its opensearch sink). An encrypted key is decrypted
 * with the passphrase in `FETCH_MIGRATION_<ROLE>_CLIENT_KEY_PASSPHRASE`: the TLS stack reads
 * only unencrypted keys, and a passphrase never goes on a command line.
 */
import { createPrivateKey } from "node:crypto";
import { BadInputError } from "../errors.ts";
import type { ClientCertificate } from "./types.ts";
import { type EndpointFlags, type FileReader, secretEnvName } from "./flags.ts";

type Role = "source" | "target";

/** Where the two files were named, for messages: flags or pipeline keys. */
export interface ClientCertNames {
  cert: string;
  key: string;
}

/** The flags' client certificate for one side; `undefined` when neither flag is given. */
export function clientCertFromFlags(
  role: Role,
  flags: EndpointFlags,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<ClientCertificate | undefined> {
  const cert = role === "source" ? flags.sourceClientCert : flags.targetClientCert;
  const key = role === "source" ? flags.sourceClientKey : flags.targetClientKey;
  const names = { cert: `--${role}-client-cert`, key: `--${role}-client-key` };
  return readClientCertificate(role, { cert, key }, names, env, read);
}

/**
 * Reads a certificate and key pair; both or neither must be given. Refuses, naming the flag or
 * key, a file that holds no certificate or no key, and an encrypted key without (or with a
 * wrong) passphrase.
 */
export async function readClientCertificate(
  role: Role,
  paths: { cert?: string; key?: string },
  names: ClientCertNames,
  env: Record<string, string | undefined>,
  read: FileReader,
): Promise<ClientCertificate | undefined> {
  if (paths.cert === undefined && paths.key === undefined) return undefined;
  if (paths.cert === undefined || paths.key === undefined) {
    const [given, missing] = paths.cert === undefined
      ? [names.key, names.cert]
      : [names.cert, names.key];
    throw new BadInputError(
      `${given} is given without ${missing}`,
      `give both: the client certificate (${names.cert}) and its private key (${names.key})`,
    );
  }
  const cert = await readFile(read, paths.cert, names.cert, "client certificate");
  if (!cert.includes("-----BEGIN CERTIFICATE-----")) {
    throw new BadInputError(
      `${paths.cert} (${names.cert}) holds no PEM certificate`,
      "give the client certificate in PEM form (text starting with -----BEGIN CERTIFICATE-----)",
    );
  }
  const keyText = await readFile(read, paths.key, names.key, "client key");
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(keyText)) {
    throw new BadInputError(
      `${paths.key} (${names.key}) holds no PEM private key`,
      "give the certificate's private key in PEM form (-----BEGIN PRIVATE KEY----- or " +
        "-----BEGIN RSA PRIVATE KEY-----)",
    );
  }
  const encrypted = isEncrypted(keyText);
  const key = encrypted
    ? decryptKey(keyText, paths.key, names.key, secretEnvName(role, "CLIENT_KEY_PASSPHRASE"), env)
    : keyText;
  return { cert, key, certPath: paths.cert, keyPath: paths.key, keyEncrypted: encrypted };
}

/** PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key with `Proc-Type: 4,ENCRYPTED`. */
function isEncrypted(pem: string): boolean {
  return pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
    /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

function decryptKey(
  pem: string,
  path: string,
  name: string,
  passphraseEnv: string,
  env: Record<string, string | undefined>,
): string {
  const passphrase = env[passphraseEnv];
  if (!passphrase) {
    throw new BadInputError(
      `the client key ${path} (${name}) is encrypted, and ${passphraseEnv} is not set`,
      `set ${passphraseEnv} to its passphrase, or give an unencrypted copy ` +
        `(openssl pkey -in ${path} -out client-key.pem, kept private)`,
    );
  }
  try {
    const key = createPrivateKey({ key: pem, format: "pem", passphrase });
    return key.export({ type: "pkcs8", format: "pem" }).toString();
  } catch {
    throw new BadInputError(
      `the client key ${path} (${name}) cannot be decrypted with the passphrase in ` +
        passphraseEnv,
      `check ${passphraseEnv} (openssl pkey -in ${path} -noout asks for it and says whether ` +
        "it is right)",
    );
  }
}

async function readFile(
  read: FileReader,
  path: string,
  name: string,
  what: string,
): Promise<string> {
  try {
    return await read(path);
  } catch (error) {
    throw new BadInputError(
      `cannot read the ${what} ${path} (${name}): ${
        error instanceof Error ? error.message : error
      }`,
      "check the path and that this user may read it",
    );
  }
}
