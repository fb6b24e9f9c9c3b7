/**
 * Elasticsearch's `flattened` field (7.3+) has an OpenSearch counterpart, `flat_object`, from
 * OpenSearch 2.7. `flat_object` takes no parameters, so those of `flattened` are dropped.
 */
import { mapFields } from "../fields.ts";
import { atLeast, type DefinitionRule } from "../rule.ts";

/** The rule `flattened-to-flat-object`. */
export const flattenedToFlatObject: DefinitionRule = {
  id: "flattened-to-flat-object",
  description: "`flattened` fields become `flat_object` (OpenSearch 2.7+; refused before, with " +
    "the reason); their parameters are dropped",
  appliesTo: (context) =>
    context.source.distribution === "elasticsearch" && atLeast(context.source, 7, 3),
  apply(definition, context) {
    const changes: string[] = [];
    const blocked: string[] = [];
    const supported = context.target.distribution === "opensearch" && atLeast(context.target, 2, 7);
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type !== "flattened") return field;
      if (!supported) {
        blocked.push(path);
        return field;
      }
      const { type: _, ...parameters } = field;
      const dropped = Object.keys(parameters).sort();
      changes.push(
        `${path}: flattened → flat_object` +
          (dropped.length > 0 ? ` (parameters ${dropped.join(", ")} dropped)` : ""),
      );
      return { type: "flat_object" };
    });
    if (blocked.length > 0) {
      return {
        value: definition,
        changes: [],
        unsupported: `flattened field(s) ${blocked.join(", ")}: OpenSearch has flat_object from ` +
          `2.7, the target is ${context.target.distribution} ${context.target.version}`,
      };
    }
    return { value: changes.length > 0 ? { ...definition, mappings } : definition, changes };
  },
};
