/**
 * What the tests on the secured pair share: the administrator's calls (through the harness), and
 * users, roles and API keys made through each product's REST API. The secured Elasticsearch
 * 8.19 (es8sec) is the source, the OpenSearch 2.19.4 with its security plugin (os2sec) the
 * target; see tests/harness/secured.ts for how they are set up.
 */
import { harnessPki, nodeFetch } from "../harness/nodes.ts";

export { harnessPki };
export { MIGRATOR_CN, MIGRATOR_KEY_PASSPHRASE, type Pki } from "../harness/secured.ts";

/** A role of Elasticsearch's role API: cluster privileges and index privileges. */
export interface EsRole {
  cluster: string[];
  indices: Array<{ names: string[]; privileges: string[] }>;
}

/** A role of the OpenSearch security plugin's API. */
export interface OsRole {
  cluster_permissions: string[];
  index_permissions: Array<{ index_patterns: string[]; allowed_actions: string[] }>;
}

/** The administrator's request to a secured node; throws on an error status. */
export async function admin(
  node: "es8sec" | "os2sec",
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const ndjson = typeof body === "string";
  const response = await nodeFetch(node, path, {
    method,
    headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
    body: body === undefined ? undefined : ndjson ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok && !(method === "DELETE" && response.status === 404)) {
    throw new Error(`${method} ${node}${path} -> ${response.status}: ${text.slice(0, 500)}`);
  }
  return text ? JSON.parse(text) : {};
}

/** A password both products accept (the security plugin asks for a strong one). */
export function strongPassword(): string {
  return `Fm-${crypto.randomUUID()}-Zq9!`;
}

/** Makes (or replaces) an Elasticsearch user holding exactly `role`. */
export async function esUser(name: string, password: string, role: EsRole): Promise<void> {
  await admin("es8sec", "PUT", `/_security/role/${name}`, role);
  await admin("es8sec", "PUT", `/_security/user/${name}`, { password, roles: [name] });
}

/** An Elasticsearch API key limited to `role` (the encoded `id:key` value and its id). */
export async function esApiKey(
  name: string,
  role: EsRole,
  expiration?: string,
): Promise<{ id: string; encoded: string }> {
  const key = await admin("es8sec", "POST", "/_security/api_key", {
    name,
    role_descriptors: { [name]: role },
    ...(expiration ? { expiration } : {}),
  });
  return { id: String(key.id), encoded: String(key.encoded) };
}

/** Invalidates an Elasticsearch API key. */
export async function invalidateApiKey(id: string): Promise<void> {
  await admin("es8sec", "DELETE", "/_security/api_key", { ids: [id] });
}

/**
 * Makes (or replaces) an OpenSearch role and maps `users` to it; an internal user with
 * `password` is made for each name when a password is given (certificate users need none).
 */
export async function osUser(
  name: string,
  role: OsRole,
  users: string[],
  password?: string,
): Promise<void> {
  await admin("os2sec", "PUT", `/_plugins/_security/api/roles/${name}`, role);
  if (password !== undefined) {
    for (const user of users) {
      await admin("os2sec", "PUT", `/_plugins/_security/api/internalusers/${user}`, { password });
    }
  }
  await admin("os2sec", "PUT", `/_plugins/_security/api/rolesmapping/${name}`, { users });
}

/** Indexes `count` small documents into `index` on the secured source, refreshed. */
export async function sourceDocuments(index: string, count: number, from = 0): Promise<void> {
  let body = "";
  for (let n = from; n < from + count; n++) {
    body += `${JSON.stringify({ index: { _index: index, _id: `d${n}` } })}\n`;
    body += `${JSON.stringify({ n, title: `document ${n}`, at: "2026-12-03T10:00:00Z" })}\n`;
  }
  const result = await admin("es8sec", "POST", "/_bulk?refresh=true", body);
  if (result.errors) throw new Error(`bulk into ${index} had errors`);
}

/** The names of the target's indices matching `pattern` (none: an empty list). */
export async function targetIndices(pattern: string): Promise<string[]> {
  const found = await admin(
    "os2sec",
    "GET",
    `/${pattern}?expand_wildcards=all&ignore_unavailable=true`,
  );
  return Object.keys(found).sort();
}

/** Deletes what a test made on both nodes: indices, templates, users and roles by prefix. */
export async function cleanSecured(prefix: string): Promise<void> {
  await admin("es8sec", "DELETE", `/${prefix}*?expand_wildcards=all`).catch(() => {});
  await admin("os2sec", "DELETE", `/${prefix}*?expand_wildcards=all`).catch(() => {});
  await admin("es8sec", "DELETE", `/_index_template/${prefix}*`).catch(() => {});
  await admin("os2sec", "DELETE", `/_index_template/${prefix}*`).catch(() => {});
}
