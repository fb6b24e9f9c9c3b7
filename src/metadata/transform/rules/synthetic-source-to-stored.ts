/**
 * Elasticsearch 8's synthetic `_source` (`_source.mode: synthetic`, `index.mapping.source.mode`,
 * and the default of `index.mode: logsdb` and `time_series`): the source keeps no original JSON
 * and rebuilds it when read, so what is copied is the rebuilt document (arrays of a field sorted
 * and de-duplicated, numbers in their mapped precision, objects for dotted names). The target
 * stores it as read, and `verify` compares it with what the source returns. OpenSearch does not
 * know `_source.mode`: `synthetic` and `stored` are dropped, `disabled` becomes `enabled: false`.
 */
import { isRecord } from "../../normalize.ts";
import type { DefinitionRule } from "../rule.ts";

/** Index modes whose `_source` is synthetic unless the mapping says otherwise. */
const SYNTHETIC_BY_DEFAULT = new Set(["logsdb", "time_series"]);

const REBUILT = "documents arrive as the source rebuilds them from synthetic _source (arrays " +
  "sorted and de-duplicated, values in their mapped form): that is what the target stores";

/** The rule `synthetic-source-to-stored`. */
export const syntheticSourceToStored: DefinitionRule = {
  id: "synthetic-source-to-stored",
  description: "Elasticsearch's `_source.mode` is dropped (synthetic: the target stores the " +
    "documents as the source rebuilds them)",
  appliesTo: (context) =>
    context.source.distribution === "elasticsearch" && context.source.major >= 8 &&
    context.target.distribution === "opensearch",
  apply(definition) {
    const source = definition.mappings._source;
    const mode = isRecord(source) ? source.mode : undefined;
    const settings = definition.settings;
    const synthetic = mode === "synthetic" ||
      (mode === undefined && (settings["index.mapping.source.mode"] === "synthetic" ||
        SYNTHETIC_BY_DEFAULT.has(String(settings["index.mode"]))));
    if (mode === undefined) {
      return synthetic
        ? { value: definition, changes: [`_source is synthetic on the source: ${REBUILT}`] }
        : { value: definition, changes: [] };
    }
    const { mode: _, ...rest } = source as Record<string, unknown>;
    const replaced = mode === "disabled" ? { ...rest, enabled: false } : rest;
    const mappings = { ...definition.mappings };
    if (Object.keys(replaced).length > 0) mappings._source = replaced;
    else delete mappings._source;
    const change = mode === "synthetic"
      ? `_source.mode synthetic removed: ${REBUILT}`
      : mode === "disabled"
      ? "_source.mode disabled became _source.enabled false"
      : `_source.mode ${JSON.stringify(mode)} removed (stored is OpenSearch's only way)`;
    return { value: { ...definition, mappings }, changes: [change] };
  },
};
