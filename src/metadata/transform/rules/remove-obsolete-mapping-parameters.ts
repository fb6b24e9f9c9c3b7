/**
 * Mapping parameters Elasticsearch 7 removed; OpenSearch (forked from 7.10) refuses a mapping
 * that carries them.
 */
import { mapFields } from "../fields.ts";
import type { DefinitionRule } from "../rule.ts";

/**
 * Root parameters that no longer exist. `_all` was disabled by default in ES 6 and removed in 7;
 * its content is not searchable anywhere on the target (use `copy_to` for a catch-all field).
 * `_field_names.enabled` stays: OpenSearch still accepts it (deprecated).
 */
const REMOVED_ROOT_PARAMETERS = ["_all"] as const;

/** Field parameters that no longer exist. `include_in_all` only fed `_all`. */
const REMOVED_FIELD_PARAMETERS = ["include_in_all"] as const;

/** The rule `remove-obsolete-mapping-parameters`. */
export const removeObsoleteMappingParameters: DefinitionRule = {
  id: "remove-obsolete-mapping-parameters",
  description: "mapping parameters removed in ES 7 (`_all`, `include_in_all`) are dropped",
  appliesTo: (context) =>
    context.source.distribution === "elasticsearch" && context.source.major < 7,
  apply(definition) {
    const changes: string[] = [];
    let mappings = { ...definition.mappings };
    for (const parameter of REMOVED_ROOT_PARAMETERS) {
      if (parameter in mappings) {
        changes.push(`${parameter} removed (was ${JSON.stringify(mappings[parameter])})`);
        delete mappings[parameter];
      }
    }
    mappings = mapFields(mappings, (field, path) => {
      const present = REMOVED_FIELD_PARAMETERS.filter((parameter) => parameter in field);
      if (present.length === 0) return field;
      const rest = { ...field };
      for (const parameter of present) {
        delete rest[parameter];
        changes.push(`${path}: ${parameter} removed`);
      }
      return rest;
    });
    return { value: changes.length > 0 ? { ...definition, mappings } : definition, changes };
  },
};
