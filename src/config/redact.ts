import type { EndpointConfig } from "./types.ts";

/** The URL without user info (and without a lone trailing slash), safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.pathname === "/" && !parsed.search ? parsed.origin : parsed.href;
  } catch {
    // Not a URL: drop anything that looks like user info before an @.
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

/** One line describing an endpoint for logs and reports: URL and auth kind, never a secret. */
export function describeEndpoint(endpoint: EndpointConfig): string {
  const auth = endpoint.auth;
  const how = auth.kind === "none"
    ? "no authentication"
    : auth.kind === "basic"
    ? `basic auth as ${auth.username}`
    : auth.kind === "apiKey"
    ? "API key"
    : `AWS SigV4 (${auth.service}, ${auth.region})`;
  const tls = endpoint.tls.insecure
    ? ", TLS not verified"
    : endpoint.tls.caSource
    ? `, CA from ${endpoint.tls.caSource}`
    : "";
  return `${redactUrl(endpoint.url)} (${how}${tls})`;
}
