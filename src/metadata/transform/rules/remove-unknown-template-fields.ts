/**
 * Composable and component template fields Elasticsearch added after OpenSearch forked (7.10);
 * OpenSearch refuses a template that carries them.
 */
import { isRecord } from "../../normalize.ts";
import { elasticsearchToOpenSearch, type TemplateRule } from "../rule.ts";

/** Dotted paths in a template body that OpenSearch does not know, with what they were. */
export const ELASTICSEARCH_ONLY_TEMPLATE_FIELDS: ReadonlyArray<{ path: string; what: string }> = [
  { path: "allow_auto_create", what: "ES 7.11+" },
  { path: "ignore_missing_component_templates", what: "ES 8.7+" },
  { path: "deprecated", what: "ES 8.12+" },
  { path: "data_stream.hidden", what: "ES 7.11+" },
  { path: "data_stream.allow_custom_routing", what: "ES 8.1+" },
  { path: "data_stream.failure_store", what: "ES 8.15+" },
  { path: "template.lifecycle", what: "data stream lifecycle, ES 8.11+" },
  { path: "template.data_stream_options", what: "ES 8.19+" },
];

/** The rule `remove-unknown-template-fields`. */
export const removeUnknownTemplateFields: TemplateRule = {
  id: "remove-unknown-template-fields",
  description: "template fields OpenSearch does not know (allow_auto_create, " +
    "ignore_missing_component_templates, deprecated, data stream lifecycle, ...) are removed",
  appliesTo: elasticsearchToOpenSearch,
  apply(subject) {
    if (subject.kind === "legacy") return { value: subject, changes: [] };
    const body = structuredClone(subject.body);
    const changes: string[] = [];
    for (const { path, what } of ELASTICSEARCH_ONLY_TEMPLATE_FIELDS) {
      const parts = path.split(".");
      const parent = parts.slice(0, -1).reduce<unknown>(
        (node, part) => (isRecord(node) ? node[part] : undefined),
        body,
      );
      const last = parts[parts.length - 1];
      if (isRecord(parent) && last in parent) {
        changes.push(`${path} removed (${what}; was ${JSON.stringify(parent[last])})`);
        delete parent[last];
      }
    }
    return changes.length > 0
      ? { value: { ...subject, body }, changes }
      : { value: subject, changes };
  },
};
