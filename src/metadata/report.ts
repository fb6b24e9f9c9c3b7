/**
 * The plan for people (text, grouped as the original tool printed it) and for programs (the
 * JSON of docs/architecture.md). Pure.
 */
import type {
  Buckets,
  DataStreamEntry,
  Difference,
  MigrationPlan,
  TemplateKind,
  Transformation,
} from "./types.ts";
import { formatBytes, plural } from "../text.ts";

/** A transformation as the JSON report names it: keys in snake_case, as all of the report. */
export interface TransformationJson {
  subject: string;
  subject_kind: Transformation["subjectKind"];
  rule: string;
  detail: string;
}

/** Buckets as the JSON shows them: the lists that need a decision, and every bucket counted. */
export type BucketsJson = Record<string, unknown> & { counts: Record<string, number> };

/** The JSON report (docs/json.md): compact by default, every list and definition in detail. */
export interface PlanReport {
  source: MigrationPlan["source"];
  target: MigrationPlan["target"];
  indices: BucketsJson;
  left_out: MigrationPlan["left_out"];
  data_streams: BucketsJson;
  inventory: MigrationPlan["inventory"];
  templates: { component: BucketsJson; index: BucketsJson; legacy: BucketsJson };
  ingest_pipelines: BucketsJson;
  template_selection: {
    mode: MigrationPlan["template_selection"]["mode"];
    /** Of the templates that migrate (every template's with detail). */
    decisions: MigrationPlan["template_selection"]["decisions"];
    /** Templates left out, counted by why. */
    left_out_by_reason: Record<string, number>;
  };
  documents: MigrationPlan["documents"];
  transformations: TransformationJson[];
  /** With detail: the bodies the target would be sent, in apply order. */
  definitions?: Array<{ kind: string; name: string; body?: unknown }>;
}

/**
 * Lists a compact report leaves out (counted in `counts`): those that need no decision, which on
 * a large cluster are most of it (hundreds of excluded indices, thousands of templates).
 */
const QUIET_BUCKETS: ReadonlySet<string> = new Set(["identical", "excluded"]);

/** A bucket object as JSON: lists that need a decision (all with `detail`), and the counts. */
function bucketsJson(buckets: object, detail: boolean): BucketsJson {
  const counts: Record<string, number> = {};
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(buckets)) {
    if (Array.isArray(value)) counts[key] = value.length;
    if (detail || !Array.isArray(value) || !QUIET_BUCKETS.has(key)) {
      shown[key] = Array.isArray(value) ? value.map(entryJson) : value;
    }
  }
  return { ...shown, counts };
}

/**
 * Document counts of a bucket entry in the JSON's words (docs/json.md): a bare number of
 * documents is `document_count`, one side's `source_count` or `target_count`.
 */
function entryJson(entry: unknown): unknown {
  if (typeof entry !== "object" || entry === null) return entry;
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    renamed[COUNT_NAMES[key] ?? key] = value;
  }
  return renamed;
}

const COUNT_NAMES: Readonly<Record<string, string>> = {
  documents: "document_count",
  source_documents: "source_count",
  target_documents: "target_count",
};

/** How much of the plan's JSON: compact (the default) or every list and definition. */
export interface PlanJsonOptions {
  detail?: boolean;
}

/**
 * The plan as JSON (docs/json.md): compact unless `detail` (lists that need no decision are
 * counted; the template decisions of templates left out are counted by reason; with detail, the
 * create bodies too); URLs without credentials; every key snake_case.
 */
export function planToJson(plan: MigrationPlan, options: PlanJsonOptions = {}): PlanReport {
  const detail = options.detail ?? false;
  const leftOutByReason: Record<string, number> = {};
  for (const decision of plan.template_selection.decisions) {
    if (!decision.migrates) {
      // Grouped as the text groups them; each template's own reason is in the detail.
      const reason = leftOutReason(decision.reason);
      leftOutByReason[reason] = (leftOutByReason[reason] ?? 0) + 1;
    }
  }
  return {
    source: { ...plan.source, url: withoutCredentials(plan.source.url) },
    target: { ...plan.target, url: withoutCredentials(plan.target.url) },
    indices: bucketsJson(plan.indices, detail),
    left_out: plan.left_out,
    data_streams: bucketsJson(plan.data_streams, detail),
    inventory: plan.inventory,
    templates: {
      component: bucketsJson(plan.templates.component, detail),
      index: bucketsJson(plan.templates.index, detail),
      legacy: bucketsJson(plan.templates.legacy, detail),
    },
    ingest_pipelines: bucketsJson(plan.ingest_pipelines, detail),
    template_selection: {
      mode: plan.template_selection.mode,
      decisions: plan.template_selection.decisions.filter((d) => detail || d.migrates),
      left_out_by_reason: leftOutByReason,
    },
    documents: plan.documents,
    transformations: plan.transformations.map(({ subject, subjectKind, rule, detail }) => ({
      subject,
      subject_kind: subjectKind,
      rule,
      detail,
    })),
    ...(detail
      ? {
        definitions: plan.creations.map((creation) => ({
          kind: creation.kind,
          name: creation.name,
          ...("body" in creation ? { body: creation.body } : {}),
        })),
      }
      : {}),
  };
}

/** A URL with any `user:password@` removed (snapshots should carry none; this makes sure). */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.href.replace(/\/$/, url.endsWith("/") ? "/" : "");
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

const INDENT = "  ";

/** Which sections a report shows: all, or those with entries (and the original four groups). */
interface Shown {
  all: boolean;
  originalGroups: boolean;
}

/** What a left-out section becomes, dropped before the report is joined. */
const LEFT_OUT = "\u0000";

/** "logs-app (template logs, @timestamp): 2 backing indices, 120 documents". */
function describeStream(entry: DataStreamEntry): string {
  const template = entry.template ? `template ${entry.template}, ` : "";
  return `${entry.name} (${template}${entry.timestamp_field}): ` +
    `${plural(entry.backing_indices.length, "backing index", "backing indices")} ` +
    `(${entry.backing_indices.join(", ")}), ${plural(entry.documents, "document")}`;
}

/** A titled list; an empty one says "(none)" when it must be shown, else is left out. */
function section(title: string, lines: readonly string[], show = true): string {
  if (lines.length === 0 && !show) return LEFT_OUT;
  const body = lines.length > 0 ? lines.map((line) => INDENT + line) : [`${INDENT}(none)`];
  return [title, ...body].join("\n");
}

/** Items a list shows before it says how many more `-v` lists. */
const LIST_LIMIT = 20;

/**
 * A list that needs a decision, cut after {@link LIST_LIMIT} lines unless `all`. Entries may
 * span lines (a conflict and its differences): `entries` are cut, not lines.
 */
function decisionSection(
  title: string,
  entries: readonly string[],
  all: boolean,
  show = all,
): string {
  if (all || entries.length <= LIST_LIMIT) return section(title, entries, show);
  const more = entries.length - LIST_LIMIT;
  return section(title, [...entries.slice(0, LIST_LIMIT), `… and ${more} more (-v lists them)`]);
}

/**
 * A list that needs no decision (identical, excluded, left out): listed with `all`, else one
 * line counting it, grouped by `reasonOf` when given ("2 002 legacy templates left out: 2 000
 * not for the selected indices, 2 the cluster's own (-v lists them)").
 */
function countedSection(
  titles: { full: string; counted: string },
  names: readonly string[],
  all: boolean,
  noun: [string, string],
  reasonOf?: (name: string) => string,
): string {
  if (all) return section(titles.full, names, true);
  if (names.length === 0) return LEFT_OUT;
  const counted = `${plural(names.length, noun[0], noun[1])} ${titles.counted}`;
  if (!reasonOf) return `${counted} (-v lists them)`;
  const reasons = new Map<string, number>();
  for (const name of names) reasons.set(reasonOf(name), (reasons.get(reasonOf(name)) ?? 0) + 1);
  const grouped = [...reasons].map(([reason, count]) => `${count} ${reason}`).join(", ");
  return `${counted}: ${grouped} (-v lists them)`;
}

/** One line per difference, under the name it belongs to. */
export function formatDifference(difference: Difference): string {
  return `- ${difference.path}: ${difference.source ?? "(absent)"} ≠ ${
    difference.target ?? "(absent)"
  }`;
}

/** One entry per conflict: its name, then its differences on the lines below. */
function conflictEntries(buckets: Buckets): string[] {
  return buckets.conflicting.map(({ name, differences }) =>
    [name, ...differences.map((difference) => INDENT + INDENT + formatDifference(difference))]
      .join("\n")
  );
}

function conflictLines(buckets: Buckets): string[] {
  return buckets.conflicting.flatMap(({ name, differences }) => [
    name,
    ...differences.map((difference) => INDENT + formatDifference(difference)),
  ]);
}

/** A template selection's reason, grouped: the `--templates` mode or the pattern rule. */
function leftOutReason(reason: string | undefined): string {
  if (reason === undefined) return "the cluster's own";
  if (reason.startsWith("--templates")) return reason;
  return "not for the selected indices";
}

const TEMPLATE_NOUNS: Readonly<Record<TemplateKind, [string, string]>> = {
  component: ["component template", "component templates"],
  index: ["index template", "index templates"],
  legacy: ["legacy template", "legacy templates"],
};

const TEMPLATE_TITLES: Readonly<Record<TemplateKind, string>> = {
  component: "Component templates",
  index: "Index templates",
  legacy: "Legacy templates",
};

function pipelineSection(plan: MigrationPlan, all: boolean): string {
  const buckets = plan.ingest_pipelines;
  const noun: [string, string] = ["ingest pipeline", "ingest pipelines"];
  return joinShown([
    countedSection(
      {
        full: "Ingest pipelines identical in the target cluster:",
        counted: "identical in the target cluster",
      },
      buckets.identical,
      all,
      noun,
    ),
    decisionSection(
      "Ingest pipelines present in both clusters with conflicting definitions (left as they are):",
      conflictEntries(buckets),
      all,
    ),
    decisionSection("Ingest pipelines to be created in the target cluster:", buckets.create, all),
    decisionSection(
      "Ingest pipelines that cannot be migrated as they are:",
      buckets.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    all
      ? section(`Ingest pipelines left out (--ingest-pipelines ${buckets.mode}):`, buckets.excluded)
      : countedSection(
        { full: "", counted: `left out (--ingest-pipelines ${buckets.mode})` },
        buckets.excluded,
        false,
        noun,
      ),
  ]);
}

function templateSection(plan: MigrationPlan, kind: TemplateKind, all: boolean): string {
  const title = TEMPLATE_TITLES[kind];
  const buckets = plan.templates[kind];
  const reasons = new Map(
    plan.template_selection.decisions.filter((decision) => decision.kind === kind)
      .map((decision) => [decision.name, decision.reason]),
  );
  const noun = TEMPLATE_NOUNS[kind];
  return joinShown([
    countedSection(
      {
        full: `${title} identical in the target cluster (no changes will be made):`,
        counted: "identical in the target cluster",
      },
      buckets.identical,
      all,
      noun,
    ),
    decisionSection(
      `${title} present in both clusters with conflicting definitions (left as they are):`,
      conflictEntries(buckets),
      all,
    ),
    decisionSection(`${title} to be created in the target cluster:`, buckets.create, all),
    decisionSection(
      `${title} that cannot be migrated as they are:`,
      buckets.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    all
      ? section(
        `${title} left out (not for the selected indices, or the cluster's own):`,
        buckets.excluded.map((name) => `${name}: ${reasons.get(name) ?? "the cluster's own"}`),
      )
      : countedSection(
        { full: "", counted: "left out" },
        buckets.excluded,
        false,
        noun,
        (name) => leftOutReason(reasons.get(name)),
      ),
  ]);
}

/**
 * A list of indices the run fills, each with its documents and the aliases that come along; the
 * original tool's names alone with `originalGroups` (scripts parse them), cut unless `all`.
 */
function indexSection(
  title: string,
  names: readonly string[],
  plan: MigrationPlan,
  { all = false, originalGroups = false }: Partial<Shown>,
): string {
  if (originalGroups && !all) return section(title, names);
  const aliases = new Map(
    plan.creations.flatMap((creation) =>
      creation.kind === "index" ? [[creation.name, Object.keys(creation.body.aliases)]] : []
    ),
  );
  const described = names.map((name) => {
    const bytes = plan.documents.primary_bytes?.[name];
    const documents = plural(plan.documents.per_index[name] ?? 0, "document") +
      (bytes === undefined ? "" : `, ${formatBytes(bytes)}`);
    const along = aliases.get(name) ?? [];
    return along.length > 0
      ? `${name}: ${documents}; ${along.length === 1 ? "alias" : "aliases"} ${along.join(", ")}`
      : `${name}: ${documents}`;
  });
  return decisionSection(title, described, all);
}

/**
 * Transformations with the same rule and detail on one line, naming the first few subjects:
 * "mapping type [_doc] removed [remove-mapping-type]: index a, b, c and 27 more (30)".
 */
export function groupedTransformations(transformations: readonly Transformation[]): string[] {
  const groups = new Map<string, { kind: string; subjects: string[] }>();
  for (const { subjectKind, subject, detail, rule } of transformations) {
    const key = `${subjectKind}\u0000${detail} [${rule}]`;
    const group = groups.get(key) ?? { kind: subjectKind, subjects: [] };
    group.subjects.push(subject);
    groups.set(key, group);
  }
  return [...groups].map(([key, { kind, subjects }]) => {
    const what = key.slice(key.indexOf("\u0000") + 1);
    if (subjects.length === 1) return `${kind} ${subjects[0]}: ${what}`;
    const shown = subjects.slice(0, 3).join(", ");
    const more = subjects.length > 3 ? ` and ${subjects.length - 3} more` : "";
    return `${what}: ${kind} ${shown}${more} (${subjects.length})`;
  });
}

/** Sections joined, the left-out ones dropped, and never two blank lines in a row. */
function joinShown(parts: string[]): string {
  const kept = parts.filter((part) => part !== LEFT_OUT);
  if (kept.length === 0) return LEFT_OUT;
  return kept.filter((part, i) => part !== "" || (i > 0 && kept[i - 1] !== "")).join("\n");
}

/** "1 to create, 3 identical", the zero counts left out; "none" when all are zero. */
function nonZero(counts: ReadonlyArray<readonly [number, string]>): string {
  const kept = counts.filter(([count]) => count > 0).map(([count, what]) => `${count} ${what}`);
  return kept.length > 0 ? kept.join(", ") : "none";
}

/** Counts per bucket, a line for indices and one per template kind, for the report's head. */
export function planSummary(plan: MigrationPlan): string[] {
  const { indices } = plan;
  // Only the buckets that hold something: a line of zeros hides the one that matters.
  const counts = (buckets: Buckets, partial = false) =>
    nonZero([
      [buckets.create.length, "to create"],
      ...(partial ? [[buckets.identical_empty.length, "identical and empty"] as const] : []),
      ...(partial ? [[buckets.partially_filled.length, "partially filled"] as const] : []),
      [buckets.identical.length, "identical"],
      [buckets.conflicting.length, "conflicting"],
      ...(partial ? [[buckets.unhealthy.length, "unhealthy"] as const] : []),
      [buckets.unsupported.length, "unsupported"],
    ]);
  const own = indices.excluded.filter((name) => !name.startsWith(".")).length;
  const hidden = plan.left_out.length;
  const streams = plan.data_streams;
  return [
    `Indices: ${counts(indices, true)}` +
    (own > 0 ? `; ${own} excluded by the selection` : "") +
    (hidden > 0 ? `; ${hidden} hidden left out (--include-hidden takes them)` : ""),
    ...(plan.inventory.data_streams.source > 0
      ? [
        `Data streams: ${
          nonZero([
            [streams.create.length, "to create"],
            [streams.identical_empty.length, "identical and empty"],
            [streams.partially_filled.length, "partially filled"],
            [streams.identical.length, "identical"],
            [streams.unsupported.length, "not migratable"],
          ])
        }` + (streams.excluded.length > 0
          ? `; ${streams.excluded.length} excluded by the selection`
          : ""),
      ]
      : []),
    ...(["component", "index", "legacy"] as const).map((kind) =>
      `${TEMPLATE_TITLES[kind]}: ${counts(plan.templates[kind])}` +
      (plan.templates[kind].excluded.length > 0
        ? `; ${plan.templates[kind].excluded.length} left out`
        : "")
    ),
    `Ingest pipelines: ${counts(plan.ingest_pipelines)}` +
    (plan.ingest_pipelines.excluded.length > 0
      ? `; ${plan.ingest_pipelines.excluded.length} left out (--ingest-pipelines ${plan.ingest_pipelines.mode})`
      : ""),
    `Documents to move: ${plan.documents.total}; transformations: ${plan.transformations.length}`,
  ];
}

/**
 * Human text for stderr: a summary of counts, then the sections that have entries (every one,
 * "(none)" included, with `all`): the original tool's four index groups (always, with
 * `originalGroups`, for scripts that parse them), what is skipped and why, the templates, every
 * transformation with its rule id, and the original tool's document total.
 */
export function formatPlanText(
  plan: MigrationPlan,
  shown: Partial<Shown> = {},
): string {
  const { all = false, originalGroups = false } = shown;
  const group = all || originalGroups;
  const { indices, documents } = plan;
  const streams = plan.data_streams;
  const system = indices.excluded.filter((name) => name.startsWith("."));
  const excluded = indices.excluded.filter((name) => !name.startsWith("."));
  return joinShown([
    `Source: ${plan.source.distribution} ${plan.source.version} at ${
      withoutCredentials(plan.source.url)
    }`,
    `Target: ${plan.target.distribution} ${plan.target.version} at ${
      withoutCredentials(plan.target.url)
    }`,
    "",
    ...planSummary(plan),
    "",
    // The original tool's four groups stay whole for the scripts that parse them.
    group && !all
      ? section(
        "Identical indices in the target cluster (no changes will be made):",
        indices.identical,
      )
      : countedSection(
        {
          full: "Identical indices in the target cluster (no changes will be made):",
          counted: "identical in the target cluster, left as they are",
        },
        indices.identical,
        all,
        ["index", "indices"],
      ),
    indexSection(
      "Identical empty indices in the target cluster (data will be migrated):",
      indices.identical_empty,
      plan,
      shown,
    ),
    decisionSection(
      "Indices partially filled in the target cluster (run continues them from its journal, " +
        "or copies them again with --restart):",
      indices.partially_filled.map(({ name, source_documents, target_documents }) =>
        `${name}: partially filled: ${target_documents} of ${source_documents} documents`
      ),
      all,
    ),
    group
      ? section(
        "Indices present in both clusters with conflicting settings/mappings " +
          "(data will not be migrated):",
        conflictLines(indices),
      )
      : decisionSection(
        "Indices present in both clusters with conflicting settings/mappings " +
          "(data will not be migrated):",
        conflictEntries(indices),
        false,
      ),
    indexSection(
      "Indices to be created in the target cluster (data will be migrated):",
      indices.create,
      plan,
      shown,
    ),
    decisionSection(
      "Indices skipped as unhealthy (data will not be migrated):",
      indices.unhealthy.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    decisionSection(
      "Indices that cannot be migrated as they are (data will not be migrated):",
      indices.unsupported.map(({ name, reason }) => `${name}: ${reason}`),
      all,
    ),
    countedSection(
      {
        full: "Hidden indices left out (--include-hidden takes them):",
        counted: "hidden, left out (--include-hidden takes them)",
      },
      plan.left_out.map(({ name }) => name),
      all,
      ["index", "indices"],
    ),
    countedSection(
      {
        full: "Indices excluded by the selection" +
          (system.length > 0 ? ` (and ${plural(system.length, "system index")}, not listed)` : "") +
          ":",
        counted: "excluded by the selection",
      },
      excluded,
      all,
      ["index", "indices"],
    ),
    decisionSection(
      "Data streams to migrate (generation by generation: the target's k-th backing index " +
        "holds the source's k-th):",
      [
        ...streams.create.map((entry) => `${describeStream(entry)}: to create`),
        ...streams.identical_empty.map((entry) => `${describeStream(entry)}: on the target, empty`),
        ...streams.partially_filled.map((entry) =>
          `${describeStream(entry)}: on the target with ${
            plural(entry.target_documents, "document")
          }`
        ),
      ],
      all,
    ),
    countedSection(
      {
        full: "Data streams on the target already, as full (left as they are):",
        counted: "on the target already, as full (left as they are)",
      },
      streams.identical,
      all,
      ["data stream", "data streams"],
    ),
    decisionSection(
      "Data streams not migratable (with their backing indices and documents):",
      streams.unsupported.map((entry) => `${describeStream(entry)}: ${entry.reason}`),
      all,
    ),
    countedSection(
      { full: "Data streams excluded by the selection:", counted: "excluded by the selection" },
      plan.data_streams.excluded,
      all,
      ["data stream", "data streams"],
    ),
    "",
    templateSection(plan, "component", all),
    templateSection(plan, "index", all),
    templateSection(plan, "legacy", all),
    pipelineSection(plan, all),
    "",
    section(
      "Transformations applied to what will be created or filled:",
      all
        ? plan.transformations.map((t) => `${t.subjectKind} ${t.subject}: ${t.detail} [${t.rule}]`)
        : groupedTransformations(plan.transformations),
      all,
    ),
    "",
    `Total number of documents to be moved: ${documents.total}`,
  ]);
}
