/**
 * Elasticsearch's `dense_vector` becomes OpenSearch's `knn_vector`, which exists only with the
 * k-NN plugin (`opensearch-knn`, part of the full distribution, absent from the minimal one).
 * Without the plugin on the target the index is refused with the reason rather than created
 * without its vectors.
 */
import { isRecord } from "../../normalize.ts";
import { mapFields } from "../fields.ts";
import { type DefinitionRule, elasticsearchToOpenSearch } from "../rule.ts";

/** The `_cat/plugins` component name of the k-NN plugin. */
export const KNN_PLUGIN = "opensearch-knn";

/** Elasticsearch similarity → k-NN space type. */
const SPACE_TYPES: Readonly<Record<string, string>> = {
  l2_norm: "l2",
  cosine: "cosinesimil",
  dot_product: "innerproduct",
  max_inner_product: "innerproduct",
};

/** The rule `dense-vector-to-knn-vector`. */
export const denseVectorToKnnVector: DefinitionRule = {
  id: "dense-vector-to-knn-vector",
  description: "`dense_vector` becomes `knn_vector` (dims → dimension, similarity → space_type, " +
    "HNSW on the lucene engine, `index.knn: true`) when the target has the k-NN plugin",
  appliesTo: elasticsearchToOpenSearch,
  apply(definition, context) {
    const changes: string[] = [];
    const refused: string[] = [];
    const hasPlugin = context.targetPlugins.includes(KNN_PLUGIN);
    let indexed = false;
    const mappings = mapFields(definition.mappings, (field, path) => {
      if (field.type !== "dense_vector") return field;
      if (!hasPlugin) {
        refused.push(`${path} is dense_vector and the target lacks the ${KNN_PLUGIN} plugin`);
        return field;
      }
      const converted = convert(field);
      if (typeof converted === "string") {
        refused.push(`${path}: ${converted}`);
        return field;
      }
      indexed ||= converted.method !== undefined;
      changes.push(`${path}: dense_vector → knn_vector (${describe(converted)})`);
      return converted;
    });
    if (refused.length > 0) {
      return { value: definition, changes: [], unsupported: refused.join("; ") };
    }
    if (changes.length === 0) return { value: definition, changes };
    const settings = { ...definition.settings };
    // Approximate search needs the index-level switch; exact (script) scoring does not.
    if (indexed && settings["index.knn"] === undefined) {
      settings["index.knn"] = "true";
      changes.push("setting index.knn=true added (needed by knn_vector fields with a method)");
    }
    return { value: { ...definition, settings, mappings }, changes };
  },
};

/** The knn_vector mapping for one dense_vector, or why there is none. */
function convert(field: Record<string, unknown>): Record<string, unknown> | string {
  const dimension = Number(field.dims);
  if (!Number.isInteger(dimension) || dimension <= 0) {
    return "dense_vector without dims (Elasticsearch infers it from the first document); " +
      "set dims on the source mapping first";
  }
  const elementType = String(field.element_type ?? "float");
  if (elementType !== "float" && elementType !== "byte") {
    return `element_type ${elementType} has no knn_vector equivalent`;
  }
  const converted: Record<string, unknown> = { type: "knn_vector", dimension };
  if (elementType === "byte") converted.data_type = "byte";
  // ES 7 vectors are never indexed (script scoring only); ES 8 index them unless told not to.
  if (field.index === false || field.index === "false" || field.similarity === undefined) {
    return converted;
  }
  const spaceType = SPACE_TYPES[String(field.similarity)];
  if (!spaceType) return `similarity ${String(field.similarity)} has no k-NN space type`;
  const options = isRecord(field.index_options) ? field.index_options : {};
  const parameters: Record<string, unknown> = {};
  if (options.m !== undefined) parameters.m = Number(options.m);
  if (options.ef_construction !== undefined) {
    parameters.ef_construction = Number(options.ef_construction);
  }
  converted.method = {
    name: "hnsw",
    engine: "lucene",
    space_type: spaceType,
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
  };
  return converted;
}

function describe(converted: Record<string, unknown>): string {
  const method = converted.method as { space_type?: string } | undefined;
  return `dimension ${converted.dimension}` +
    (converted.data_type ? `, data_type ${converted.data_type}` : "") +
    (method ? `, hnsw/lucene ${method.space_type}` : ", not indexed");
}
