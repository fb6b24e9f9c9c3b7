/**
 * The least-privilege sets of the README's table, one per command: what the source's
 * Elasticsearch role and the target's OpenSearch role must hold. least_privileges_test.ts proves
 * each row; secured_test.ts runs the acceptance copy with them.
 */
import type { EsRole, OsRole } from "./secured.ts";

/** Where the selected indices' names go in the sets; the README shows `<selected>`. */
const SELECTED = "<selected>";

/** One side's set: cluster-wide, on every index (`*`), on the selected indices. */
export interface Grants {
  cluster: string[];
  all?: string[];
  selected?: string[];
}

/** A row of the table: a command, the two sets, and the privilege the second test leaves out. */
export interface Row {
  command: string;
  args: string[];
  source?: Grants;
  target?: Grants;
  /** The privilege left out, the side it is left out of, and what the refusal must name. */
  without: { side: "source" | "target"; privilege: string; names: string[] };
}

const SOURCE_READ: Grants = {
  cluster: ["monitor", "read_pipeline"],
  selected: ["view_index_metadata", "monitor", "read"],
};
export const SOURCE_COPY: Grants = {
  ...SOURCE_READ,
  selected: [...SOURCE_READ.selected!, "maintenance"],
};
const TARGET_READ: Grants = {
  cluster: [
    "cluster_monitor",
    "indices:admin/template/get",
    "indices:admin/index_template/get",
    "cluster:admin/component_template/get",
    "cluster:admin/ingest/pipeline/get",
  ],
  all: [
    "indices_monitor",
    "indices:monitor/settings/get",
    "indices:admin/mappings/get",
    "indices:admin/aliases/get",
    "indices:admin/data_stream/get",
    "indices:data/read/search",
  ],
};
const TARGET_CREATE: Grants = {
  ...TARGET_READ,
  cluster: [...TARGET_READ.cluster, "indices:admin/index_template/put"],
  selected: ["indices:admin/create"],
};
export const TARGET_COPY: Grants = {
  ...TARGET_CREATE,
  selected: [
    "indices:admin/create",
    "indices:admin/settings/update",
    "indices:admin/refresh*",
    "indices:data/write/bulk*",
    "indices:data/write/index",
  ],
};

export const TARGET_SYNC: Grants = {
  ...TARGET_COPY,
  selected: [...TARGET_COPY.selected!, "indices:data/write/delete"],
};

/** The table of the README, in its order. */
export const LEAST_PRIVILEGES: Row[] = [
  {
    command: "plan",
    args: ["plan"],
    source: SOURCE_READ,
    target: TARGET_READ,
    without: { side: "source", privilege: "read", names: ["indices:data/read/search", "read"] },
  },
  {
    command: "metadata",
    args: ["metadata"],
    source: SOURCE_READ,
    target: TARGET_CREATE,
    without: {
      side: "target",
      privilege: "indices:admin/mappings/get",
      names: ["indices:admin/mappings/get"],
    },
  },
  {
    command: "run --engine native",
    args: ["run", "--engine", "native"],
    source: SOURCE_COPY,
    target: TARGET_COPY,
    without: {
      side: "source",
      privilege: "view_index_metadata",
      names: ["view_index_metadata"],
    },
  },
  {
    command: "verify --checksums",
    args: ["verify", "--checksums"],
    source: SOURCE_READ,
    target: TARGET_READ,
    without: {
      side: "target",
      privilege: "indices:data/read/search",
      names: ["indices:data/read/search"],
    },
  },
  {
    command: "sync --final",
    args: ["sync", "--final"],
    source: SOURCE_COPY,
    target: TARGET_SYNC,
    without: { side: "source", privilege: "monitor", names: ["cluster:monitor/", "monitor"] },
  },
  {
    command: "sync --final --freeze-source",
    args: ["sync", "--final", "--freeze-source"],
    source: { ...SOURCE_COPY, selected: [...SOURCE_COPY.selected!, "manage"] },
    target: TARGET_SYNC,
    without: { side: "source", privilege: "manage", names: ["indices:admin/block/add", "manage"] },
  },
  {
    command: "rollback",
    args: ["rollback", "--yes"],
    target: {
      cluster: ["cluster_monitor", "indices:admin/index_template/delete"],
      selected: ["indices:admin/delete", "indices:data/read/search"],
    },
    without: {
      side: "target",
      privilege: "indices:admin/delete",
      names: ["indices:admin/delete"],
    },
  },
];

/** The README's rows: one line per command, the sets in code spans. */
export function renderTable(rows: Row[]): string {
  const list = (items: string[] | undefined) =>
    (items ?? []).map((item) => `\`${item}\``).join(", ");
  const side = (grants: Grants | undefined) => {
    if (!grants) return "–";
    const parts = [`cluster: ${list(grants.cluster)}`];
    if (grants.all?.length) parts.push(`on \`*\`: ${list(grants.all)}`);
    if (grants.selected?.length) parts.push(`on ${SELECTED}: ${list(grants.selected)}`);
    return parts.join("; ");
  };
  const lines = [
    "| command | source (Elasticsearch privileges) | target (OpenSearch permissions) |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| \`${row.command}\` | ${side(row.source)} | ${side(row.target)} |`),
  ];
  return lines.join("\n");
}

export function esRole(grants: Grants | undefined, selected: string): EsRole {
  return {
    cluster: grants?.cluster ?? [],
    indices: grants?.selected?.length ? [{ names: [selected], privileges: grants.selected }] : [],
  };
}

export function osRole(grants: Grants | undefined, selected: string): OsRole {
  const index_permissions = [];
  if (grants?.all?.length) {
    index_permissions.push({ index_patterns: ["*"], allowed_actions: grants.all });
  }
  if (grants?.selected?.length) {
    index_permissions.push({ index_patterns: [selected], allowed_actions: grants.selected });
  }
  return { cluster_permissions: grants?.cluster ?? [], index_permissions };
}

/** `grants` without `privilege`, wherever it is. */
export function withoutPrivilege(grants: Grants, privilege: string): Grants {
  const drop = (items?: string[]) => items?.filter((item) => item !== privilege);
  return { cluster: drop(grants.cluster)!, all: drop(grants.all), selected: drop(grants.selected) };
}
