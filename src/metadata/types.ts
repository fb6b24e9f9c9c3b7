/**
 * Data shapes of the metadata step. A snapshot is what we read from one cluster; a plan is what
 * we decided from two snapshots. Both are plain data: pure modules compute them, I/O modules
 * fill or apply them.
 */

/** Which product and version a cluster runs (subset of the client's ClusterInfo). */
export interface ClusterVersion {
  distribution: "elasticsearch" | "opensearch";
  /** Full version string, e.g. "7.10.2". */
  version: string;
  major: number;
  minor: number;
}

/** One alias as `GET /<index>/_alias` returns it. */
export interface AliasDefinition {
  filter?: Record<string, unknown>;
  index_routing?: string;
  search_routing?: string;
  routing?: string;
  is_write_index?: boolean;
  is_hidden?: boolean;
}

/** One index of one cluster, as read. */
export interface IndexMetadata {
  name: string;
  /**
   * Settings as the cluster returned them under `settings` (nested `{index: {...}}` objects, or
   * flat `"index.x.y"` keys with `flat_settings=true`).
   */
  settings: Record<string, unknown>;
  /**
   * Mappings as returned: typeless `{properties, dynamic, ...}` (ES 7+, OpenSearch), or keyed by
   * mapping type on ES 6 (`{"_doc": {...}}` or a custom type name, possibly several, `_default_`).
   */
  mappings: Record<string, unknown>;
  aliases: Record<string, AliasDefinition>;
  /** `undefined` when the cluster did not report health for it (e.g. closed). */
  health?: "green" | "yellow" | "red";
  state: "open" | "close";
  /** Top-level documents (`_count`), not Lucene docs (which include nested ones). */
  documents: number;
  /** Bytes of its primary shards on disk (`_cat/indices` `pri.store.size`), when known. */
  primaryBytes?: number;
}

/** `--templates`: which templates a migration takes (template-selection.ts). */
export type TemplateMode = "all" | "matching" | "none";

/** Whether one template migrates, and why. */
export interface TemplateDecision {
  kind: TemplateKind;
  name: string;
  migrates: boolean;
  reason: string;
}

/** The three template kinds. */
export type TemplateKind = "component" | "index" | "legacy";

/** One template of one cluster, body as the cluster returned it. */
export interface TemplateMetadata {
  name: string;
  kind: TemplateKind;
  /**
   * component: `{template: {settings, mappings, aliases}, version?, _meta?}`;
   * index (composable): `{index_patterns, template?, composed_of?, priority?, version?, _meta?, data_stream?}`;
   * legacy: `{order, index_patterns | template (ES 6 may use "template"), settings, mappings, aliases, version?}`.
   */
  body: Record<string, unknown>;
}

/** One data stream of one cluster, as `GET /_data_stream` returns it. */
export interface DataStreamMetadata {
  name: string;
  /** The field every document must have (`@timestamp` unless the template says otherwise). */
  timestampField: string;
  /** Its backing indices, oldest generation first; the last is the write index. */
  indices: string[];
  /** The composable index template it was created from. */
  template?: string;
  /** A hidden or system data stream (the cluster's own, e.g. Elasticsearch's ILM history). */
  system?: boolean;
}

/** Everything the metadata step reads from one cluster. */
export interface ClusterSnapshot {
  /** Base URL without credentials. */
  url: string;
  version: ClusterVersion;
  indices: IndexMetadata[];
  templates: TemplateMetadata[];
  /** Empty where the cluster has no data streams (or no data-stream module). */
  dataStreams: DataStreamMetadata[];
  /** Ingest pipelines by id, bodies as the cluster returned them. */
  pipelines?: Record<string, Record<string, unknown>>;
  /** Processor types every ingest node has (`_nodes/ingest`); absent when unknown. */
  processors?: string[];
}

/** `--ingest-pipelines`: which ingest pipelines a migration takes (pipelines.ts). */
export type PipelineMode = "referenced" | "all" | "none";

/** One applied change to make a source definition acceptable to the target. */
export interface Transformation {
  /** Index or template name it applied to. */
  subject: string;
  /** "index" or the template kind. */
  subjectKind: "index" | TemplateKind;
  /** Stable rule id, e.g. "remove-mapping-type". */
  rule: string;
  /** What changed, e.g. "mapping type [doc] removed; mappings are typeless". */
  detail: string;
}

/** One difference between source and target definitions of the same name. */
export interface Difference {
  /** Dotted path, e.g. "mappings.properties.msg.type" or "settings.index.number_of_shards". */
  path: string;
  /** Values as text; `undefined` when absent on that side. */
  source?: string;
  target?: string;
}

/** An index whose copy on the target holds fewer documents than the source. */
export interface PartiallyFilled {
  name: string;
  source_documents: number;
  target_documents: number;
}

/** A name that will not be migrated, with why. */
export interface Skipped {
  name: string;
  reason: string;
}

/** Buckets of the plan (docs/architecture.md), for indices and for each template kind. */
export interface Buckets {
  /** Missing on the target: will be created (and, for indices, filled). */
  create: string[];
  /** Same definition on both sides and the target index is empty: will be filled. */
  identical_empty: string[];
  /** Same definition and the target already holds as many documents or more: left alone. */
  identical: string[];
  /**
   * Same definition, but the target holds fewer documents than the source: a copy that stopped
   * part way. `run` continues it from its journal, or copies it again with `--restart`.
   */
  partially_filled: PartiallyFilled[];
  /** Different definitions: left alone, each difference named. */
  conflicting: Array<{ name: string; differences: Difference[] }>;
  /** Left out by include/exclude patterns, or system/hidden. */
  excluded: string[];
  /** Red or closed indices (skipped unless allowed), with the reason. */
  unhealthy: Skipped[];
  /** Not migratable as-is (e.g. several mapping types), with the reason. */
  unsupported: Skipped[];
}

/** A data stream of the source, as the plan sees it. */
export interface DataStreamEntry {
  name: string;
  /** The composable index template it was created from. */
  template?: string;
  timestamp_field: string;
  /** Its backing indices on the source, oldest generation first (the last is the write index). */
  backing_indices: string[];
  documents: number;
}

/** A data stream on the target already, with fewer documents than the source's. */
export type PartialDataStream = DataStreamEntry & { target_documents: number };

/**
 * What happens to each data stream of the source. A migrating stream is created on the target
 * after its index template, then filled generation by generation: the source's backing indices
 * are read oldest first, each written into the target stream (`op_type: create`), the target
 * rolled over between two, so the target's k-th backing index holds the source's k-th.
 */
export interface DataStreamBuckets {
  /** Missing on the target: created, then filled. */
  create: DataStreamEntry[];
  /** On the target already and empty: filled. */
  identical_empty: DataStreamEntry[];
  /** On the target already with as many documents or more: left as it is. */
  identical: string[];
  /** On the target with fewer documents: a copy that stopped part way (as for indices). */
  partially_filled: PartialDataStream[];
  /** Selected, and not migratable, each with the reason (a run exits 1 unless skipped). */
  unsupported: Array<DataStreamEntry & { reason: string }>;
  /** Left out by the selection. */
  excluded: string[];
}

/**
 * Every index and data stream of the source in exactly one place, counted: each sum is the
 * source's number (`_cat/indices` with every index, hidden and closed ones included; the
 * `_data_stream` list).
 */
export interface Inventory {
  indices: {
    source: number;
    /** To create and fill, empty to fill, or partly filled to continue. */
    migrating: number;
    /** Already on the target with as many documents: left as they are. */
    identical: number;
    /** Selected, and not migratable as they are (conflicting, unhealthy, unsupported). */
    not_migratable: number;
    /** Left out by `--include`/`--exclude` or the pipeline's regexes. */
    excluded: number;
    /** The cluster's own (names starting with a dot). */
    system: number;
    /** Users' indices with `index.hidden: true`, left out unless `--include-hidden`. */
    hidden: number;
    /** Backing indices of data streams: accounted for by their stream. */
    backing: number;
  };
  data_streams: {
    source: number;
    /** To create and fill, empty to fill, or partly filled to continue. */
    migrating: number;
    identical: number;
    not_migratable: number;
    excluded: number;
    /** The cluster's own (hidden or system streams). */
    system: number;
  };
}

/** A user's index left out by default (not by the selection), with the flag that takes it. */
export interface LeftOut {
  name: string;
  reason: string;
  flag: string;
}

/** What the metadata step decided. Pure data; the report and apply read it. */
export interface MigrationPlan {
  source: { url: string; distribution: string; version: string };
  target: { url: string; distribution: string; version: string };
  indices: Buckets;
  /** User indices left out by default (hidden ones), each named with the flag that takes it. */
  left_out: LeftOut[];
  data_streams: DataStreamBuckets;
  inventory: Inventory;
  templates: { component: Buckets; index: Buckets; legacy: Buckets };
  /**
   * Ingest pipelines: those the selected indices and migrating templates name (`default_pipeline`,
   * `final_pipeline`, and the pipelines those call), or all, or none (`--ingest-pipelines`).
   */
  ingest_pipelines: Buckets & { mode: PipelineMode };
  /** Why each template (the cluster's own aside) migrates or is left out. */
  template_selection: { mode: TemplateMode; decisions: TemplateDecision[] };
  /** Documents to move, per migrating index and data stream (a stream's over its generations). */
  documents: {
    total: number;
    per_index: Record<string, number>;
    /** Primary shards' bytes on the source per migrating index, where the source gave them. */
    primary_bytes?: Record<string, number>;
  };
  transformations: Transformation[];
  /**
   * What to create on the target, already transformed, in apply order: ingest pipelines,
   * component templates, index templates, legacy templates, data streams, then indices. Not part
   * of the JSON report.
   */
  creations: Creation[];
}

/** One create request the apply step will send. */
export type Creation =
  | {
    kind: "index";
    name: string;
    body: {
      settings: Record<string, unknown>;
      mappings: Record<string, unknown>;
      aliases: Record<string, AliasDefinition>;
    };
  }
  | {
    kind: "ingest-pipeline" | "component" | "index-template" | "legacy";
    name: string;
    body: Record<string, unknown>;
  }
  | {
    /** `PUT _data_stream/<name>` (no body): the target's matching index template shapes it. */
    kind: "data-stream";
    name: string;
  };

/** Selection rules for the plan. */
export interface PlanOptions {
  /** Glob patterns (`*`, `?`); an index is taken if it matches any (all when empty). */
  include: string[];
  /** Glob patterns; an index matching any is excluded. */
  exclude: string[];
  /** Java-style full-match regexes from a pipeline's `indices.include` (all when empty). */
  includeRegex: string[];
  /** Java-style full-match regexes from a pipeline's `indices.exclude`. */
  excludeRegex: string[];
  /** Take red indices too (default: skip and list them). */
  allowRed: boolean;
  /** Take users' hidden indices (`index.hidden: true`, no leading dot) too. */
  includeHidden?: boolean;
  /** Which templates migrate: those that can shape a selected index (default), all, none. */
  templates?: TemplateMode;
  /** Which ingest pipelines migrate: those the selection names (default), all, none. */
  ingestPipelines?: PipelineMode;
}
