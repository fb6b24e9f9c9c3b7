/**
 * AWS Signature Version 4 for Amazon OpenSearch Service (`es`) and OpenSearch Serverless
 * (`aoss`), through `@smithy/signature-v4`: the signer the AWS SDK itself uses.
 */
import {
  type AwsCredentialIdentity,
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
  /** Without user info; its path and query are signed as they go on the wire. */
  url: URL;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Credentials this close to expiry are fetched anew rather than used for one more request. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/**
 * Caches what a provider returns until shortly before it expires. The SDK's node chain caches
 * on its own, but `fromTemporaryCredentials` calls STS on every use, which would mean one
 * AssumeRole per signed request. Concurrent first calls share one fetch.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const refresh = (): Promise<AwsCredentialIdentity> => {
    const fetching = provider().catch((error) => {
      // A failure is not cached: the next request tries again (e.g. after `aws sso login`).
      if (pending === fetching) pending = undefined;
      throw error;
    });
    pending = fetching;
    return fetching;
  };
  return async () => {
    const current = pending ?? refresh();
    const identity = await current;
    const expiry = identity.expiration?.getTime();
    if (expiry === undefined || expiry - EXPIRY_MARGIN_MS > now()) return identity;
    // Only the first caller to notice the expiry fetches; the others wait for its answer.
    return await (pending === current ? refresh() : pending ?? refresh());
  };
}

/**
 * Credentials from the standard AWS chain (environment, profiles, SSO, web identity, container
 * and instance metadata), optionally exchanged for a role's, as Data Prepper's `sts_role_arn`.
 * `fromNodeProviderChain` takes no role of its own (only a profile's `role_arn`), so a role
 * goes through STS AssumeRole with the chain's credentials; the STS client loads only then.
 */
export function awsCredentials(region: string, roleArn?: string): AwsCredentialIdentityProvider {
  const base = fromNodeProviderChain();
  if (!roleArn) return memoizeCredentials(base);
  return memoizeCredentials(fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: roleArn, RoleSessionName: "fetch-migration" },
    clientConfig: { region },
  }));
}

/** Lower-case hex SHA-256 of the bytes that will be sent. */
export async function sha256Hex(body: string | Uint8Array): Promise<string> {
  const hash = new Sha256();
  hash.update(body);
  return [...await hash.digest()].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Returns the headers to send: the given ones plus `host`, `x-amz-date`, the session token if
 * any, `authorization`, and for `aoss` the payload hash `x-amz-content-sha256`, which
 * OpenSearch Serverless requires. The caller must send exactly `request.body` and these
 * headers, and no other header whose name was signed.
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
  // The signer encodes query names and values itself, so it gets them decoded.
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
    // The payload hash header is added above only where the service wants it; the hash still
    // enters the signature either way.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      // The path as it goes on the wire (percent-encoded). The signer encodes each segment once
      // more, which is what AWS services other than S3 expect ("double encoding"): an index
      // name such as `<logs-{now/d}>` travels as `%3Clogs-%7Bnow%2Fd%7D%3E`.
      path: request.url.pathname,
      query,
      headers,
      body: request.body,
    },
    signingDate ? { signingDate } : undefined,
  );
  return signed.headers as Record<string, string>;
}
