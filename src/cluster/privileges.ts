/**
 * Checks, before anything changes, that the credentials hold what a command will need, so a
 * missing privilege stops it at the start rather than halfway (after indices were created).
 *
 * The source: Elasticsearch answers for any user or API key, through `_has_privileges`, whether
 * it holds a set of privileges; the set per duty is the README's least-privilege table. Where
 * that API is absent (OpenSearch, security off, a release without a privilege's name) the check
 * is skipped and the command meets a refusal where it comes.
 * The target: OpenSearch's security plugin (when it answers) has no such API, so each permission
 * that guards a change is asked with a request that changes nothing when it is granted: creating
 * the index with a mapping no node accepts (400), and updating the settings and refreshing it
 * while it does not exist yet (404). A refusal (403) is the cluster's own answer naming the permission.
 * Bulk writes cannot be asked that way (a bulk into a missing index is not checked per index);
 * the copy stops at the first refused bulk item instead.
 */
import type { ClusterClient } from "./client.ts";
import { ClusterError, privilegeHint } from "./errors.ts";

/** What a command does on the source: reads (plan, verify), copies, or copies and freezes. */
export type SourceDuty = "read" | "copy" | "freeze";

/** The body of `_has_privileges`. */
export interface PrivilegeRequest {
  cluster: string[];
  index: Array<{ names: string[]; privileges: string[] }>;
}

/** The Elasticsearch privileges a duty needs on the source (the README's table). */
export function sourcePrivileges(duty: SourceDuty, indices: string[]): PrivilegeRequest {
  const privileges = ["view_index_metadata", "monitor", "read"];
  if (duty !== "read") privileges.push("maintenance");
  if (duty === "freeze") privileges.push("manage");
  return {
    cluster: ["monitor", "read_pipeline"],
    index: indices.length > 0 ? [{ names: indices, privileges }] : [],
  };
}

/** The answer of `_has_privileges`. */
export interface PrivilegeAnswer {
  username?: string;
  has_all_requested?: boolean;
  cluster?: Record<string, boolean>;
  index?: Record<string, Record<string, boolean>>;
}

/** What is missing, in words: `cluster privilege monitor; index privileges read on a, b`. */
export function missingPrivileges(answer: PrivilegeAnswer): string[] {
  const missing: string[] = [];
  const cluster = Object.entries(answer.cluster ?? {}).filter(([, held]) => !held);
  if (cluster.length > 0) {
    const names = cluster.map(([name]) => name).join(", ");
    missing.push(`cluster ${cluster.length === 1 ? "privilege" : "privileges"} ${names}`);
  }
  // Indices lacking the same privileges are named together.
  const byPrivileges = new Map<string, string[]>();
  for (const [index, privileges] of Object.entries(answer.index ?? {})) {
    const lacking = Object.entries(privileges).filter(([, held]) => !held).map(([name]) => name);
    if (lacking.length === 0) continue;
    const key = lacking.join(", ");
    byPrivileges.set(key, [...(byPrivileges.get(key) ?? []), index]);
  }
  for (const [privileges, indices] of byPrivileges) {
    const plural = privileges.includes(",") ? "privileges" : "privilege";
    missing.push(`index ${plural} ${privileges} on ${shortList(indices)}`);
  }
  return missing;
}

function shortList(names: string[]): string {
  return names.length <= 5
    ? names.join(", ")
    : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}

/**
 * Asks the source whether its credentials hold what `duty` needs on `indices`; throws (exit 3)
 * naming the host, the user and each missing privilege when they do not.
 */
export async function checkSourcePrivileges(
  client: ClusterClient,
  duty: SourceDuty,
  indices: string[],
): Promise<void> {
  const path = "/_security/user/_has_privileges";
  const request = sourcePrivileges(duty, indices);
  const response = await client.request<PrivilegeAnswer>("POST", path, {
    body: request,
    idempotent: true,
  });
  // No security, not Elasticsearch, or a privilege this release does not know: not asked.
  if (response.status < 200 || response.status >= 300) return;
  const answer = response.body;
  if (answer?.has_all_requested !== false) return;
  const missing = missingPrivileges(answer);
  const user = answer.username ? ` user ${answer.username}` : " these credentials";
  throw new ClusterError(
    "auth",
    "POST",
    client.resolve(path).href,
    `the source ${client.url} does not grant${user} what this command needs: ` +
      `${missing.join("; ")}; nothing was changed`,
    `grant the ${missing.join("; ")} to a role of this user (for an API key: to its ` +
      "role_descriptors) (README, Least privileges), then run the same command again",
    403,
  );
}

/** Which of the target's permissions to ask for: creating, tuning settings, refreshing. */
export interface TargetChanges {
  create: boolean;
  tune: boolean;
  refresh: boolean;
}

/**
 * The target permissions that guard what a command changes, asked for the indices it will
 * create (nothing is asked of a target without the security plugin, which refuses nothing).
 */
export async function checkTargetPrivileges(
  client: ClusterClient,
  indices: string[],
  changes: TargetChanges,
): Promise<void> {
  if (indices.length === 0 || !(await hasSecurityPlugin(client))) return;
  for (const index of indices) {
    const name = encodeURIComponent(index);
    // Each answers 400 or 404 when granted, and changes nothing then.
    if (changes.create) {
      await expectGranted(client, "PUT", `/${name}`, {
        mappings: { properties: { fm_privilege_check: { type: "fm_no_such_type" } } },
      });
    }
    if (changes.tune) {
      await expectGranted(client, "PUT", `/${name}/_settings`, {
        index: { refresh_interval: "1s" },
      });
    }
    if (changes.refresh) await expectGranted(client, "POST", `/${name}/_refresh`);
  }
}

/**
 * Whether the security plugin answers (any authenticated user may read its own `authinfo`):
 * without it, nothing is refused per index and the probes would be requests for nothing.
 */
async function hasSecurityPlugin(client: ClusterClient): Promise<boolean> {
  const response = await client.request("GET", "/_plugins/_security/authinfo", {
    idempotent: true,
  });
  return response.status >= 200 && response.status < 300;
}

async function expectGranted(
  client: ClusterClient,
  method: string,
  path: string,
  body?: unknown,
): Promise<void> {
  const response = await client.request(method, path, {
    ...(body !== undefined ? { body } : {}),
    idempotent: true,
  });
  if (response.status === 401 || response.status === 403) {
    const refused = client.httpError(method, path, response);
    throw new ClusterError(
      "auth",
      method,
      refused.url,
      `${refused.message}; asked before changing anything, nothing was changed`,
      privilegeHint(refused.reason),
      response.status,
      refused.reason,
    );
  }
  // Never expected (the mapping is refused by every release); if it happened, undo it.
  if (method === "PUT" && response.status >= 200 && response.status < 300 && body) {
    await client.request("DELETE", path);
  }
}
