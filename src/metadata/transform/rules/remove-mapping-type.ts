/** ES 6 keeps mappings under a type name; OpenSearch has typeless mappings only. */
import { isRecord } from "../../normalize.ts";
import { type DefinitionRule, unchanged } from "../rule.ts";

/** The rule `remove-mapping-type`. */
export const removeMappingType: DefinitionRule = {
  id: "remove-mapping-type",
  description: "ES 6 mappings under one type (`_doc`, `doc` or a custom name) become typeless; " +
    "several types or a `_default_` mapping cannot be migrated as they are",
  // ES 7+ and OpenSearch return typeless mappings; reading their root keys as type names would
  // misread new root parameters (runtime, subobjects, ...).
  appliesTo: (context) =>
    context.source.distribution === "elasticsearch" && context.source.major < 7,
  apply(definition) {
    // On ES 6, every root key of the mappings is a type name.
    const types = Object.keys(definition.mappings).sort();
    if (types.length === 0) return unchanged(definition);
    if (types.length > 1 || types[0] === "_default_") {
      return {
        value: definition,
        changes: [],
        unsupported: `it has mapping types [${types.join(", ")}]` +
          (types.includes("_default_") ? " (_default_ applies to types added later)" : "") +
          "; OpenSearch allows one typeless mapping: reindex each type into its own index, or " +
          "drop _default_, before migrating",
      };
    }
    const [type] = types;
    const inner = definition.mappings[type];
    return {
      value: { ...definition, mappings: isRecord(inner) ? inner : {} },
      changes: [`mapping type [${type}] removed; mappings are typeless`],
    };
  },
};
