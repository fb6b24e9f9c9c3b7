import {
  type AwsCredentialIdentityProvider,
  fromNodeProviderChain,
  fromTemporaryCredentials,
  Sha256,
  SignatureV4,
} from "../deps.ts";

/** What SigV4 needs besides the request. */
export interface SigV4Options {
  region: string;
  /** `es` for managed domains, `aoss` for OpenSearch Serverless. */
  service: string;
  credentials: AwsCredentialIdentityProvider;
}

/** The request to sign: exactly what will be sent. */
export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

/**
 * Credentials from the standard AWS chain (environment, profiles, SSO, web identity, container
 * and instance metadata), optionally exchanged for a role's, as Data Prepper's `sts_role_arn`.
 */
export function awsCredentials(region: string, roleArn?: string): AwsCredentialIdentityProvider {
  const base = fromNodeProviderChain();
  if (!roleArn) return base;
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: roleArn, RoleSessionName: "fetch-migration" },
    clientConfig: { region },
  });
}

async function sha256Hex(body: string | Uint8Array): Promise<string> {
  const hash = new Sha256();
  hash.update(body);
  return [...await hash.digest()].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Returns the headers to send: the given ones plus `host`, `x-amz-date`, the session token if
 * any, `authorization`, and for `aoss` the payload hash, which OpenSearch Serverless requires.
 */
export async function signRequest(
  request: SignableRequest,
  options: SigV4Options,
  signingDate?: Date,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { ...request.headers, host: request.url.host };
  if (options.service === "aoss") {
    headers["x-amz-content-sha256"] = await sha256Hex(request.body ?? "");
  }
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of request.url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...[existing].flat(), value];
  }
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service,
    sha256: Sha256,
    // The payload hash header is added above only where the service wants it.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: decodeURIComponent(request.url.pathname),
      query,
      headers,
      body: request.body,
    },
    signingDate ? { signingDate } : undefined,
  );
  return signed.headers as Record<string, string>;
}
