/**
 * Elasticsearch 8's time-series indices (`index.mode: time_series`): their fields carry
 * `time_series_dimension` and `time_series_metric`, which OpenSearch does not know. On the target
 * the index becomes a plain one (the settings rule drops `index.mode` and `index.routing_path`):
 * the same documents and fields, without dimension routing or downsampling. A field of type
 * `aggregate_metric_double` (a downsampled index) has no OpenSearch counterpart: not migratable.
 */
import { mapFields } from "../fields.ts";
import type { DefinitionRule } from "../rule.ts";

const TIME_SERIES_PARAMETERS = ["time_series_dimension", "time_series_metric"] as const;

/** The rule `time-series-to-plain`. */
export const timeSeriesToPlain: DefinitionRule = {
  id: "time-series-to-plain",
  description: "Elasticsearch time-series fields (`time_series_dimension`, " +
    "`time_series_metric`) become plain fields: the index is a plain one on OpenSearch",
  appliesTo: (context) =>
    context.source.distribution === "elasticsearch" && context.source.major >= 8 &&
    context.target.distribution === "opensearch",
  apply(definition) {
    const changes: string[] = [];
    const aggregated: string[] = [];
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type === "aggregate_metric_double") aggregated.push(path);
      const present = TIME_SERIES_PARAMETERS.filter((parameter) => parameter in field);
      if (present.length === 0) return field;
      const rest = { ...field };
      for (const parameter of present) {
        changes.push(`${path}: ${parameter} ${JSON.stringify(field[parameter])} removed`);
        delete rest[parameter];
      }
      return rest;
    });
    if (aggregated.length > 0) {
      return {
        value: definition,
        changes: [],
        unsupported: `${aggregated.join(", ")} ${aggregated.length === 1 ? "is" : "are"} of ` +
          "type aggregate_metric_double (a downsampled time-series index), which OpenSearch " +
          "does not have",
      };
    }
    if (changes.length === 0) return { value: definition, changes };
    changes.push(
      "the time-series index becomes a plain one (no dimension routing, no downsampling)",
    );
    return { value: { ...definition, mappings }, changes };
  },
};
