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
  /** A base set's name, shown in the README once with its contents. */
  name?: string;
  /** How the set was made: a base set and what it adds (how the README shows it). */
  from?: { base: Grants; added: Omit<Grants, "name" | "from"> };
}

/** A row of the table: a command, the two sets, and the privilege the second test leaves out. */
export interface Row {
  command: string;
  args: string[];
  source?: Grants;
  target?: Grants;
  /** The privilege left out, the side it is left out of, and what the refusal must name. */
  without: { side: "source" | "target"; privilege: string; names: string[] };
  /** Run the original way, `run <data-prepper-dir> <pipeline.yaml> [port]`. */
  dataPrepper?: boolean;
}

/** `base` and `added` together, remembered as such. */
function adding(base: Grants, added: Omit<Grants, "name" | "from">): Grants {
  const join = (a?: string[], b?: string[]) => [...(a ?? []), ...(b ?? [])];
  return {
    cluster: join(base.cluster, added.cluster),
    all: join(base.all, added.all),
    selected: join(base.selected, added.selected),
    from: { base, added },
  };
}

const SOURCE_READ: Grants = {
  name: "source reads",
  cluster: ["monitor", "read_pipeline"],
  selected: ["view_index_metadata", "monitor", "read"],
};
export const SOURCE_COPY = adding(SOURCE_READ, { cluster: [], selected: ["maintenance"] });
const SOURCE_FREEZE = adding(SOURCE_READ, { cluster: [], selected: ["maintenance", "manage"] });
const TARGET_READ: Grants = {
  name: "target reads",
  cluster: [
    "cluster_monitor",
    "indices:admin/template/get",
    "indices:admin/index_template/get",
    "cluster:admin/component_template/get",
    "cluster:admin/ingest/pipeline/get",
  ],
  all: [
    "indices_monitor",
    "indices:admin/mappings/get",
    "indices:admin/aliases/get",
    "indices:admin/data_stream/get",
    "indices:data/read/search",
  ],
};
const TEMPLATES = ["indices:admin/index_template/put"];
const TARGET_CREATE = adding(TARGET_READ, {
  cluster: TEMPLATES,
  selected: ["indices:admin/create"],
});
const WRITES = ["indices:admin/refresh*", "indices:data/write/bulk*", "indices:data/write/index"];
export const TARGET_COPY = adding(TARGET_READ, {
  cluster: TEMPLATES,
  selected: ["indices:admin/create", "indices:admin/settings/update", ...WRITES],
});
/** Data Prepper's sink does not tune the target's settings. */
const TARGET_DATA_PREPPER = adding(TARGET_READ, {
  cluster: TEMPLATES,
  selected: ["indices:admin/create", ...WRITES],
});
/** Sync's copy does not tune the target's settings; its passes delete. */
export const TARGET_SYNC = adding(TARGET_READ, {
  cluster: TEMPLATES,
  selected: ["indices:admin/create", ...WRITES, "indices:data/write/delete"],
});

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
    without: { side: "target", privilege: "indices:admin/create", names: ["indices:admin/create"] },
  },
  {
    command: "run --engine native",
    args: ["run", "--engine", "native"],
    source: SOURCE_COPY,
    target: TARGET_COPY,
    without: {
      side: "target",
      privilege: "indices:admin/settings/update",
      names: ["indices:admin/settings/update"],
    },
  },
  {
    command: "run <data-prepper-dir> <pipeline.yaml>",
    args: ["run"],
    source: SOURCE_COPY,
    target: TARGET_DATA_PREPPER,
    without: { side: "target", privilege: "indices:admin/create", names: ["indices:admin/create"] },
    dataPrepper: true,
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
    without: { side: "source", privilege: "maintenance", names: ["index privilege maintenance"] },
  },
  {
    command: "sync --final --freeze-source",
    args: ["sync", "--final", "--freeze-source"],
    source: SOURCE_FREEZE,
    target: TARGET_SYNC,
    without: { side: "source", privilege: "manage", names: ["index privilege manage"] },
  },
  {
    command: "rollback",
    args: ["rollback", "--yes"],
    target: {
      cluster: ["indices:admin/index_template/delete"],
      selected: ["indices:admin/delete", "indices:data/read/search"],
    },
    without: {
      side: "target",
      privilege: "indices:admin/delete",
      names: ["indices:admin/delete"],
    },
  },
];

/**
 * The README's table: the two base sets spelled out once, then one line per command, its sets
 * as a base and what it adds.
 */
export function renderTable(rows: Row[]): string {
  const list = (items: string[] | undefined) =>
    (items ?? []).map((item) => `\`${item}\``).join(", ");
  const contents = (grants: Omit<Grants, "name" | "from">) => {
    const parts = grants.cluster.length ? [`cluster ${list(grants.cluster)}`] : [];
    if (grants.all?.length) parts.push(`on \`*\` ${list(grants.all)}`);
    if (grants.selected?.length) parts.push(`on ${SELECTED} ${list(grants.selected)}`);
    return parts.join("; ");
  };
  const cell = (grants: Grants | undefined) => {
    if (!grants) return "–";
    if (grants.name) return `_${grants.name}_`;
    if (grants.from) return `_${grants.from.base.name}_, and ${contents(grants.from.added)}`;
    return contents(grants);
  };
  const bases = [SOURCE_READ, TARGET_READ].map((base) => `- _${base.name}_: ${contents(base)}`);
  return [
    ...bases,
    "",
    "| command | source (Elasticsearch privileges) | target (OpenSearch permissions) |",
    "| --- | --- | --- |",
    ...rows.map((row) => `| \`${row.command}\` | ${cell(row.source)} | ${cell(row.target)} |`),
  ].join("\n");
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
