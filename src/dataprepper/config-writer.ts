/**
 * Writes Data Prepper's server configuration, `data-prepper-config.yaml` (notes 4.1): plain HTTP
 * unless TLS is asked for (Data Prepper's default is TLS with a keystore, which a supervisor
 * polling its own child does not need), the port of the API and metrics server, and the
 * Prometheus registry the monitor reads. Pure.
 */
import { Document, isScalar, isSeq } from "../deps.ts";

/** The keystore of a TLS-serving Data Prepper, as its keys name them. */
export interface ServerTls {
  keyStoreFilePath: string;
  keyStorePassword?: string;
  privateKeyPassword?: string;
}

/** What the server configuration says. */
export interface ServerConfigOptions {
  /** Port of `/list`, `/shutdown` and `/metrics/prometheus`; Data Prepper binds every interface. */
  port: number;
  /** Serve TLS with this keystore; plain HTTP (`ssl: false`) when absent. */
  tls?: ServerTls;
}

/** The text of `data-prepper-config.yaml`. Throws a RangeError for a port outside 1..65535. */
export function dataPrepperConfigYaml(options: ServerConfigOptions): string {
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
    throw new RangeError(`Data Prepper's server port must be 1 to 65535, not ${options.port}`);
  }
  const { tls } = options;
  const config: Record<string, unknown> = tls
    ? {
      ssl: true,
      keyStoreFilePath: tls.keyStoreFilePath,
      ...(tls.keyStorePassword !== undefined ? { keyStorePassword: tls.keyStorePassword } : {}),
      ...(tls.privateKeyPassword !== undefined
        ? { privateKeyPassword: tls.privateKeyPassword }
        : {}),
    }
    : { ssl: false };
  config.serverPort = options.port;
  config.metricRegistries = ["Prometheus"];
  const document = new Document(config);
  const registries = document.get("metricRegistries", true);
  if (isSeq(registries)) registries.flow = true;
  // Data Prepper reads YAML 1.1, where a plain `on` or `0777` password is not a string.
  for (const key of ["keyStoreFilePath", "keyStorePassword", "privateKeyPassword"]) {
    const node = document.get(key, true);
    if (isScalar(node)) node.type = "QUOTE_DOUBLE";
  }
  document.commentBefore = " Data Prepper server configuration written by fetch-migration.";
  return document.toString({ flowCollectionPadding: false });
}
