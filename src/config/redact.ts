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

/** An http(s) URL split into a printable URL and the user info it carried, if any. */
export interface SplitUrl {
  /** Without user info, and without a lone trailing slash. */
  url: string;
  user?: { username: string; password: string };
}

/** Parses `text` as an http(s) URL and splits off its user info; `undefined` if it is not one. */
export function splitUserInfo(text: string): SplitUrl | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const user = url.username
    ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
    : undefined;
  return { url: redactUrl(url.href), ...(user ? { user } : {}) };
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
