/**
 * The import-direction check of `deno task check`. The folders of `src/` are layers, in the order
 * of docs/architecture.md; a module imports only from its own folder, from folders below it, and
 * from the shared modules at the top of `src/` (which import nothing of ours but `deps.ts`).
 * Folders of one rank (`backfill`, `dataprepper`) do not import each other. No two modules import
 * each other, directly or through others. Prints each violation and exits 1 when there is one.
 */

/** The layers, lowest first; folders in one entry share a rank. `main.ts` stands on top of all. */
export const LAYERS: readonly (readonly string[])[] = [
  ["config"],
  ["cluster"],
  ["journal"],
  ["metadata"],
  ["migrate"],
  ["backfill", "dataprepper"],
  ["verify"],
  ["launch"],
  ["sync"],
  ["cli"],
];

/** The layer of a module below `src/`: its top folder, `(shared)` at the top of `src/`, or `main`. */
function layerOf(file: string): string {
  if (file === "main.ts") return "main";
  return file.includes("/") ? file.slice(0, file.indexOf("/")) : "(shared)";
}

/** The rank of a layer: shared modules lowest, `main` highest; `undefined` for an unknown folder. */
function rankOf(layer: string, layers: readonly (readonly string[])[]): number | undefined {
  if (layer === "(shared)") return -1;
  if (layer === "main") return layers.length;
  const rank = layers.findIndex((entry) => entry.includes(layer));
  return rank === -1 ? undefined : rank;
}

/** Every import that runs up the layers, sideways between folders of one rank, or into a folder
 * the order does not know; each as a line naming both files and the rule. Pure. */
export function layerViolations(
  graph: ReadonlyMap<string, readonly string[]>,
  layers: readonly (readonly string[])[] = LAYERS,
): string[] {
  const problems: string[] = [];
  const order = layers.map((entry) => entry.join("/")).join(" < ");
  for (const [file, imports] of graph) {
    const from = layerOf(file);
    const fromRank = rankOf(from, layers);
    if (fromRank === undefined) {
      problems.push(`src/${file}: the folder src/${from}/ is not in the layer order (${order})`);
      continue;
    }
    for (const imported of imports) {
      const to = layerOf(imported);
      if (to === from && to !== "(shared)") continue;
      if (from === "(shared)" && imported !== "deps.ts") {
        problems.push(
          `src/${file} imports src/${imported}: the shared modules at the top of src/ import ` +
            "nothing of ours but deps.ts",
        );
        continue;
      }
      const toRank = rankOf(to, layers);
      if (toRank === undefined || toRank < fromRank) continue;
      if (to === "(shared)") continue;
      problems.push(
        `src/${file} imports src/${imported}: ${
          toRank === fromRank ? `${from} and ${to} are of one rank` : `${to} is above ${from}`
        } in the layer order (${order})`,
      );
    }
  }
  return problems;
}

/** Import cycles, each reported once with the loop it closes. Pure. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") {
        const loop = [...stack.slice(stack.indexOf(next)), next].map((f) => `src/${f}`);
        problems.push(`import cycle: ${loop.join(" -> ")}`);
      } else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return problems;
}

/** Relative imports of one file, as paths below the root. */
export function importsOf(file: string, text: string): string[] {
  const root = new URL("file:///src/");
  const found: string[] = [];
  // `import ... from "x"`, `export ... from "x"`, `import "x"` and `import("x")`.
  const pattern = /(?:(?:import|export)[^;"]*?from\s+|import\s+|import\(\s*)"(\.{1,2}\/[^"]+)"/g;
  for (const match of text.matchAll(pattern)) {
    found.push(new URL(match[1], new URL(file, root)).pathname.slice(root.pathname.length));
  }
  return found;
}

/** The import graph of the `.ts` modules below `dir`. */
export async function importGraph(dir: URL): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const walk = async (at: URL, prefix: string): Promise<void> => {
    for await (const entry of Deno.readDir(at)) {
      const name = `${prefix}${entry.name}`;
      if (entry.isDirectory) await walk(new URL(`${entry.name}/`, at), `${name}/`);
      else if (entry.name.endsWith(".ts")) {
        graph.set(name, importsOf(name, await Deno.readTextFile(new URL(entry.name, at))));
      }
    }
  };
  await walk(dir, "");
  return graph;
}

if (import.meta.main) {
  const graph = await importGraph(new URL("../src/", import.meta.url));
  const problems = [...layerViolations(graph), ...importCycles(graph)];
  for (const problem of problems) console.error(problem);
  console.error(
    problems.length === 0
      ? `imports: ${graph.size} modules, every import runs down the layers, no cycle`
      : `imports: ${problems.length} problem(s)`,
  );
  Deno.exit(problems.length === 0 ? 0 : 1);
}
