/**
 * The validated shape every command works from, whichever way the user described the clusters
 * (a Data Prepper pipeline file, `INLINE_PIPELINE`, or `--source/--target` flags).
 */

/** How we prove who we are to one cluster. Secrets live only here, never in URLs. */
export type AuthConfig =
  | { kind: "none" }
  | { kind: "basic"; username: string; password: string }
  /** `apiKey` is the encoded `id:key` value sent as `Authorization: ApiKey <apiKey>`. */
  | { kind: "apiKey"; apiKey: string }
  | {
    kind: "sigv4";
    region: string;
    /** `es` for managed domains, `aoss` for OpenSearch Serverless. */
    service: "es" | "aoss";
    /** Role to assume first, as Data Prepper's `sts_role_arn`. */
    roleArn?: string;
  };

/** TLS choices for one cluster; verification is on unless `insecure` is set. */
export interface TlsConfig {
  /** Skip certificate and host name verification (`--insecure`, the pipeline's `insecure`). */
  insecure: boolean;
  /** PEM text of extra CA certificates to trust (read from `connection.cert`/`--ca-cert`). */
  caCerts?: string[];
  /** Where the CA came from, for error messages (a path, or "inline certificate"). */
  caSource?: string;
  /** A client certificate to present (TLS client authentication). */
  clientCert?: ClientCertificate;
}

/** A client certificate and its key, read and (when it was encrypted) decrypted. */
export interface ClientCertificate {
  /** PEM text of the certificate (and any chain after it). */
  cert: string;
  /** PEM text of the unencrypted private key: a secret, never printed or written. */
  key: string;
  /** The certificate's path, for messages. */
  certPath: string;
  /** The key's path, for the Data Prepper pipeline (which reads the files itself). */
  keyPath: string;
  /** Whether the key file is encrypted (Data Prepper could not read it). */
  keyEncrypted: boolean;
}

/** One cluster endpoint: a base URL without credentials, plus auth and TLS. */
export interface EndpointConfig {
  /** Base URL, e.g. `https://search.example.com:9200`; never carries user info. */
  url: string;
  auth: AuthConfig;
  tls: TlsConfig;
  /** Per-request timeout in milliseconds. */
  timeoutMs?: number;
}

/** Index selection carried by a pipeline's `indices.include/exclude` (`index_name_regex`). */
export interface IndexSelection {
  include: string[];
  exclude: string[];
}

/** Source and target as one command needs them. */
export interface MigrationEndpoints {
  source: EndpointConfig;
  target: EndpointConfig;
  /** Regexes from the pipeline file, if it had any. */
  selection: IndexSelection;
  /** Where the endpoints came from, for messages: a file path, `INLINE_PIPELINE`, or `flags`. */
  origin: string;
  /** Name of the pipeline in the file, when read from one. */
  pipelineName?: string;
  /**
   * The pipeline YAML the endpoints were read from (the file or `INLINE_PIPELINE`), as read, for
   * the commands that rewrite it; absent with `--source/--target`.
   */
  pipelineText?: string;
}

/** The pipeline's name when the endpoints come from flags rather than a pipeline file. */
export const FLAGS_PIPELINE_NAME = "fetch-migration";
