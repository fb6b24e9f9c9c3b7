/**
 * ES 2 `string` fields (still found in indices created on 5.x and carried to 6.x) become what
 * ES 5 itself upgraded them to: `keyword` when not analyzed, `text` otherwise.
 */
import { mapFields } from "../fields.ts";
import type { DefinitionRule } from "../rule.ts";

/** Parameters of an analyzed string that a keyword field refuses. */
const NOT_FOR_KEYWORD = [
  "analyzer",
  "search_analyzer",
  "search_quote_analyzer",
  "position_increment_gap",
  "term_vector",
  "fielddata",
  "fielddata_frequency_filter",
] as const;

/** Parameters a text field refuses. */
const NOT_FOR_TEXT = ["doc_values", "ignore_above", "null_value"] as const;

/** The rule `string-to-text-keyword`. */
export const stringToTextKeyword: DefinitionRule = {
  id: "string-to-text-keyword",
  description: "pre-5.0 `string` fields become `keyword` (`index: not_analyzed` or `no`) or `text`",
  appliesTo: (context) =>
    context.source.distribution === "elasticsearch" && context.source.major < 7,
  apply(definition) {
    const changes: string[] = [];
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type !== "string") return field;
      const { index, norms, ...rest } = field;
      const converted: Record<string, unknown> = { ...rest };
      // ES 2 wrote `norms: {enabled: false}`; ES 5+ take the boolean.
      if (norms !== undefined) {
        converted.norms = typeof norms === "object" && norms !== null
          ? (norms as { enabled?: unknown }).enabled !== false
          : norms;
      }
      const notAnalyzed = index === "not_analyzed";
      const notIndexed = index === "no" || index === false || index === "false";
      if (notAnalyzed || notIndexed) {
        for (const parameter of NOT_FOR_KEYWORD) delete converted[parameter];
        converted.type = "keyword";
        if (notIndexed) converted.index = false;
        changes.push(`${path}: string (${String(index)}) → keyword`);
      } else {
        for (const parameter of NOT_FOR_TEXT) delete converted[parameter];
        // ES 2's fielddata object ({format, loading}) has no text equivalent; text defaults off.
        if (typeof converted.fielddata === "object") delete converted.fielddata;
        converted.type = "text";
        changes.push(`${path}: string → text`);
      }
      return converted;
    });
    return { value: changes.length > 0 ? { ...definition, mappings } : definition, changes };
  },
};
