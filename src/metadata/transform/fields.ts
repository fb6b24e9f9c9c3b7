/** Walks the field mappings of a typeless mapping, for the rules that rewrite fields. Pure. */
import { isRecord } from "../normalize.ts";

/** One field definition and where it is, e.g. `user.name` or `title.raw` (a multi-field). */
export type FieldVisitor = (
  field: Record<string, unknown>,
  path: string,
) => Record<string, unknown>;

/**
 * Returns the mappings with every field (under `properties` at any depth, and multi-fields under
 * `fields`) passed through `visit`, parents before children. Copies only what it walks through;
 * the input is never changed.
 */
export function mapFields(
  mappings: Record<string, unknown>,
  visit: FieldVisitor,
): Record<string, unknown> {
  if (!isRecord(mappings.properties)) return mappings;
  return { ...mappings, properties: mapProperties(mappings.properties, "", visit) };
}

function mapProperties(
  properties: Record<string, unknown>,
  prefix: string,
  visit: FieldVisitor,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(properties).map(([name, raw]) => {
      if (!isRecord(raw)) return [name, raw];
      const path = prefix ? `${prefix}.${name}` : name;
      let field = visit(raw, path);
      for (const children of ["properties", "fields"] as const) {
        const inner = field[children];
        if (isRecord(inner)) {
          field = { ...field, [children]: mapProperties(inner, path, visit) };
        }
      }
      return [name, field];
    }),
  );
}

/** Every field path whose definition satisfies `test` (for rules that only refuse). */
export function findFields(
  mappings: Record<string, unknown>,
  test: (field: Record<string, unknown>) => boolean,
): string[] {
  const found: string[] = [];
  mapFields(mappings, (field, path) => {
    if (test(field)) found.push(path);
    return field;
  });
  return found;
}
