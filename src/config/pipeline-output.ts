/**
 * Writes the pipeline Data Prepper will run: the input file with the source's
 * `indices.include` set to one exact-match regex per migrating index. Every other key and every
 * comment of the input stays as it was. Pure.
 */
import { isMap, parseDocument, YAMLSeq } from "../deps.ts";

/** Escapes an index name for a Java regex (`Matcher.matches()` anchors it whole). */
export function exactIndexRegex(name: string): string {
  return name.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

/**
 * Returns `text` with `<sourcePath>.indices.include` replaced by `{index_name_regex}` entries for
 * `indices`; `indices.exclude` and all else are left alone.
 */
export function withIncludedIndices(
  text: string,
  sourcePath: Array<string | number>,
  indices: string[],
): string {
  const document = parseDocument(text);
  const include = new YAMLSeq();
  for (const name of indices) {
    include.add(document.createNode({ index_name_regex: exactIndexRegex(name) }));
  }
  const plugin = document.getIn(sourcePath, true);
  if (!isMap(plugin)) {
    // `opensearch:` with nothing under it parses as null: give it a map to hold the indices.
    document.setIn(sourcePath, document.createNode({}));
  }
  document.setIn([...sourcePath, "indices", "include"], include);
  return document.toString();
}
