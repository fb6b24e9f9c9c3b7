/**
 * What makes two of the test nodes secured as production clusters are: a certificate authority
 * made with `openssl`, Elasticsearch 8's own security (HTTPS, the `elastic` user's password set
 * through the keystore's `bootstrap.password`), and OpenSearch's security plugin (TLS on both
 * layers, internal users and client certificate authentication, configured from files written
 * here). Users, roles and API keys are made by the tests through the REST API, as the harness's
 * administrator: `elastic` on Elasticsearch, the admin certificate on OpenSearch.
 */
import { exists, run } from "./shell.ts";

/** Which security a secured node runs. */
export type Security = "elasticsearch" | "opensearch-security";

/** A certificate and its PKCS#8 key, as PEM files. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** The harness's certificates; everything but `strangerCa` is signed by `ca`. */
export interface Pki {
  dir: string;
  /** The CA's certificate (PEM): what clients trust. */
  ca: string;
  /** The nodes' certificate, for 127.0.0.1 and localhost. */
  node: KeyPair;
  /** OpenSearch's super admin (its DN is `plugins.security.authcz.admin_dn`). */
  admin: KeyPair;
  /** A user authenticated by certificate alone (CN `fm-migrator`), mapped by tests. */
  migrator: KeyPair;
  /** The migrator's key encrypted with `MIGRATOR_KEY_PASSPHRASE`. */
  migratorEncryptedKey: string;
  /** Signed by another CA: a certificate the secured node must refuse. */
  stranger: KeyPair;
}

/** Subject of the harness's certificates; the CN tells them apart. */
const ORG = "O=FetchMigrationTest";
/** The DN the security plugin grants everything to. */
export const ADMIN_DN = `CN=fm-admin,${ORG}`;
/** The CN of the certificate user the least-privilege target role is mapped to. */
export const MIGRATOR_CN = "fm-migrator";
/** Passphrase of `migratorEncryptedKey` (a test value, not a secret of anything real). */
export const MIGRATOR_KEY_PASSPHRASE = "fm-test-key-passphrase";

const pkiInProgress = new Map<string, Promise<Pki>>();

/**
 * Makes the CA and certificates once; later calls reuse them. Both secured nodes ask at once on
 * a fresh checkout: one generation serves both, since a second would wipe the directory (and the
 * `elastic` password in it) under the first.
 */
export function ensurePki(dir: string): Promise<Pki> {
  let pki = pkiInProgress.get(dir);
  if (!pki) {
    pki = makePki(dir);
    pkiInProgress.set(dir, pki);
    pki.catch(() => pkiInProgress.delete(dir));
  }
  return pki;
}

async function makePki(dir: string): Promise<Pki> {
  const pki: Pki = {
    dir,
    ca: `${dir}/ca.pem`,
    node: pair(dir, "node"),
    admin: pair(dir, "admin"),
    migrator: pair(dir, "migrator"),
    migratorEncryptedKey: `${dir}/migrator-key-encrypted.pem`,
    stranger: pair(dir, "stranger"),
  };
  if (await exists(`${dir}/.complete`)) return pki;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  await makeCa(dir, "ca", "fm-test-ca");
  await makeCa(dir, "stranger-ca", "fm-stranger-ca");
  await signed(dir, "node", "fm-node", "ca", "serverAuth,clientAuth", true);
  await signed(dir, "admin", "fm-admin", "ca", "clientAuth");
  await signed(dir, "migrator", MIGRATOR_CN, "ca", "clientAuth");
  await signed(dir, "stranger", MIGRATOR_CN, "stranger-ca", "clientAuth");
  await openssl(
    ...["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", pki.migrator.key],
    ...["-out", pki.migratorEncryptedKey, "-passout", `pass:${MIGRATOR_KEY_PASSPHRASE}`],
  );
  // The nodes run as an unprivileged user and read their key and the CA.
  for (const entry of Deno.readDirSync(dir)) await Deno.chmod(`${dir}/${entry.name}`, 0o644);
  await Deno.chmod(dir, 0o755);
  await Deno.writeTextFile(`${dir}/.complete`, new Date().toISOString());
  return pki;
}

function pair(dir: string, name: string): KeyPair {
  return { cert: `${dir}/${name}.pem`, key: `${dir}/${name}-key.pem` };
}

/** Runs `openssl` with `args`; `-out`'s file names what failed. */
function openssl(...args: string[]): Promise<string> {
  return run("openssl", args, `openssl ${args[0]} ${args[args.indexOf("-out") + 1]}`);
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650"],
    ...["-subj", `/${ORG}/CN=${cn}`, "-keyout", `${dir}/${name}.key`, "-out", `${dir}/${name}.pem`],
  );
}

/** A certificate signed by `ca`, and its key as PKCS#8 (the security plugin reads no other). */
async function signed(
  dir: string,
  name: string,
  cn: string,
  ca: string,
  usage: string,
  server = false,
): Promise<void> {
  const raw = `${dir}/${name}.rsa`;
  await openssl(
    ...["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/${ORG}/CN=${cn}`],
    ...["-keyout", raw, "-out", `${dir}/${name}.csr`],
  );
  const extensions = `${dir}/${name}.ext`;
  await Deno.writeTextFile(
    extensions,
    `extendedKeyUsage=${usage}\n` +
      (server ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n" : ""),
  );
  await openssl(
    ...["x509", "-req", "-in", `${dir}/${name}.csr`, "-CA", `${dir}/${ca}.pem`],
    ...["-CAkey", `${dir}/${ca}.key`, "-CAcreateserial", "-days", "3650", "-extfile", extensions],
    ...["-out", `${dir}/${name}.pem`],
  );
  await openssl("pkcs8", "-topk8", "-nocrypt", "-in", raw, "-out", `${dir}/${name}-key.pem`);
  await Deno.remove(raw);
  await Deno.remove(`${dir}/${name}.csr`);
  await Deno.remove(extensions);
}

/** Node settings that turn security on, with the harness's certificates copied into `config`. */
export async function securedSettings(
  security: Security,
  pki: Pki,
  config: string,
): Promise<Record<string, unknown>> {
  // Both products read certificates only from below their config directory.
  const certs = `${config}/certs`;
  await Deno.mkdir(certs, { recursive: true });
  await Deno.copyFile(pki.ca, `${certs}/ca.pem`);
  await Deno.copyFile(pki.node.cert, `${certs}/node.pem`);
  await Deno.copyFile(pki.node.key, `${certs}/node-key.pem`);
  if (security === "elasticsearch") {
    const tls = (layer: string) => ({
      [`xpack.security.${layer}.ssl.enabled`]: true,
      [`xpack.security.${layer}.ssl.key`]: "certs/node-key.pem",
      [`xpack.security.${layer}.ssl.certificate`]: "certs/node.pem",
      [`xpack.security.${layer}.ssl.certificate_authorities`]: ["certs/ca.pem"],
    });
    return {
      "xpack.security.enabled": true,
      "xpack.security.authc.api_key.enabled": true,
      ...tls("http"),
      ...tls("transport"),
      "action.destructive_requires_name": false,
    };
  }
  const tls = (layer: string) => ({
    [`plugins.security.ssl.${layer}.pemcert_filepath`]: "certs/node.pem",
    [`plugins.security.ssl.${layer}.pemkey_filepath`]: "certs/node-key.pem",
    [`plugins.security.ssl.${layer}.pemtrustedcas_filepath`]: "certs/ca.pem",
  });
  return {
    ...tls("transport"),
    ...tls("http"),
    "plugins.security.ssl.transport.enforce_hostname_verification": false,
    "plugins.security.ssl.http.enabled": true,
    // Asked for, not required: password users connect without a certificate.
    "plugins.security.ssl.http.clientauth_mode": "OPTIONAL",
    "plugins.security.allow_default_init_securityindex": true,
    "plugins.security.authcz.admin_dn": [ADMIN_DN],
    "plugins.security.nodes_dn": [`CN=fm-node,${ORG}`],
    "plugins.security.restapi.roles_enabled": ["all_access"],
    "plugins.security.system_indices.enabled": true,
  };
}

/** Security configuration the plugin loads into its index at first start. */
const SECURITY_CONFIG = `_meta:
  type: "config"
  config_version: 2
config:
  dynamic:
    http:
      anonymous_auth_enabled: false
    authc:
      clientcert_auth_domain:
        http_enabled: true
        transport_enabled: false
        order: 0
        http_authenticator:
          type: clientcert
          config:
            username_attribute: cn
          challenge: false
        authentication_backend:
          type: noop
      basic_internal_auth_domain:
        http_enabled: true
        transport_enabled: true
        order: 1
        http_authenticator:
          type: basic
          challenge: false
        authentication_backend:
          type: intern
`;

/** No internal user at start: tests create theirs through the REST API as the admin. */
const NO_USERS = `_meta:\n  type: "internalusers"\n  config_version: 2\n`;

/**
 * Installs the security plugin into `home` once (from its zip), and writes the plugin's
 * configuration directory into `config`; the plugin reads it only while its index is absent.
 */
export async function installSecurityPlugin(
  home: string,
  config: string,
  pluginZip: string,
  javaHome: string,
): Promise<void> {
  if (!(await exists(`${home}/plugins/opensearch-security/plugin-descriptor.properties`))) {
    const output = await new Deno.Command(`${home}/bin/opensearch-plugin`, {
      args: ["install", "--batch", `file://${pluginZip}`],
      env: { OPENSEARCH_JAVA_HOME: javaHome, JAVA_HOME: javaHome },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `installing the security plugin into ${home} failed:\n` +
          new TextDecoder().decode(output.stderr),
      );
    }
  }
  const target = `${config}/opensearch-security`;
  await Deno.mkdir(target, { recursive: true });
  for (const entry of Deno.readDirSync(`${home}/config/opensearch-security`)) {
    if (entry.isFile) {
      await Deno.copyFile(
        `${home}/config/opensearch-security/${entry.name}`,
        `${target}/${entry.name}`,
      );
    }
  }
  await Deno.writeTextFile(`${target}/config.yml`, SECURITY_CONFIG);
  await Deno.writeTextFile(`${target}/internal_users.yml`, NO_USERS);
}

/** Where the source of the analysis module for ES 8's security index is. */
const ANALYSIS_SOURCE = decodeURIComponent(
  new URL("./es-security-analysis/SecurityAnalysisPlugin.java", import.meta.url).pathname,
);
const ANALYSIS_MODULE = "fm-security-analysis";

/**
 * Builds the module that gives ES 8's security index its analyzer (see the Java file's header)
 * into `home/modules`, once: javac against the node's own jars, then a jar and a descriptor.
 */
export async function addSecurityAnalysisModule(
  home: string,
  version: string,
  javaHome: string,
): Promise<void> {
  const target = `${home}/modules/${ANALYSIS_MODULE}`;
  if (await exists(`${target}/plugin-descriptor.properties`)) return;
  const classes = await Deno.makeTempDir({ prefix: "fm-analysis-" });
  try {
    await run(
      `${javaHome}/bin/javac`,
      ["-d", classes, "-cp", `${home}/lib/*`, ANALYSIS_SOURCE],
      `javac ${ANALYSIS_SOURCE}`,
    );
    await Deno.mkdir(target, { recursive: true });
    await run(
      `${javaHome}/bin/jar`,
      ["cf", `${target}/${ANALYSIS_MODULE}.jar`, "-C", classes, "."],
      `jar ${ANALYSIS_MODULE}`,
    );
  } finally {
    await Deno.remove(classes, { recursive: true });
  }
  // The descriptor last: its presence marks the module complete.
  await Deno.writeTextFile(
    `${target}/plugin-descriptor.properties`,
    [
      "description=Analysis for the security index (built by the Fetch Migration harness)",
      `version=${version}`,
      `name=${ANALYSIS_MODULE}`,
      "java.version=17",
      `elasticsearch.version=${version}`,
      "classname=org.fetchmigration.testanalysis.SecurityAnalysisPlugin",
      "",
    ].join("\n"),
  );
}

/** Sets the `elastic` user's password through the keystore's `bootstrap.password`, once. */
export async function setBootstrapPassword(
  home: string,
  config: string,
  password: string,
  javaHome: string,
): Promise<void> {
  if (await exists(`${config}/elasticsearch.keystore`)) return;
  const env = { ES_PATH_CONF: config, ES_JAVA_HOME: javaHome, JAVA_HOME: javaHome };
  const tool = `${home}/bin/elasticsearch-keystore`;
  await keystore(tool, ["create"], env);
  await keystore(tool, ["add", "-x", "bootstrap.password"], env, password);
}

async function keystore(
  tool: string,
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<void> {
  const child = new Deno.Command(tool, {
    args,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (input !== undefined) await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  if (!output.success) {
    throw new Error(
      `elasticsearch-keystore ${args.join(" ")} failed:\n${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
}

/**
 * The `elastic` password of the secured Elasticsearch, made once and kept 0600 in the PKI's
 * directory. Written with `createNew`, so of two concurrent first callers one writes and both
 * read the same password (a mismatch leaves the node answering 401 to the harness forever).
 */
export async function elasticPassword(dir: string): Promise<string> {
  await ensurePki(dir);
  const file = `${dir}/elastic-password`;
  try {
    await Deno.writeTextFile(file, `fm-${crypto.randomUUID()}`, { mode: 0o600, createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  return (await Deno.readTextFile(file)).trim();
}

/** How the harness's administrator reaches a secured node. */
export interface AdminAccess {
  client: Deno.HttpClient;
  headers: Record<string, string>;
}

/**
 * An HTTP client trusting the harness CA, as the administrator: `elastic` by password on
 * Elasticsearch, the admin certificate on OpenSearch.
 */
export async function adminAccess(
  security: Security,
  pki: Pki,
  password: string,
): Promise<AdminAccess> {
  const caCerts = [await Deno.readTextFile(pki.ca)];
  if (security === "elasticsearch") {
    return {
      client: Deno.createHttpClient({ caCerts }),
      headers: { authorization: `Basic ${btoa(`elastic:${password}`)}` },
    };
  }
  return {
    client: Deno.createHttpClient({
      caCerts,
      cert: await Deno.readTextFile(pki.admin.cert),
      key: await Deno.readTextFile(pki.admin.key),
    }),
    headers: {},
  };
}
