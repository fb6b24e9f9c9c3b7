/**
 * The import-direction check of `deno task check`: nothing outside `src/cli/` and `src/main.ts`
 * imports from `src/cli/`, `src/errors.ts` imports nothing, and no two modules of `src/` import
 * each other, directly or through others. Prints each violation and exits 1 when there is one.
 */
const root = new URL("../src/", import.meta.url);

async function sourceFiles(dir: URL, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      files.push(...await sourceFiles(new URL(`${entry.name}/`, dir), `${name}/`));
    } else if (entry.name.endsWith(".ts")) files.push(name);
  }
  return files;
}

/** Relative imports of one file, as paths below `src/`. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:import|export)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)) {
    found.push(new URL(match[1], new URL(file, root)).pathname.slice(root.pathname.length));
  }
  return found;
}

const graph = new Map<string, string[]>();
for (const file of await sourceFiles(root)) {
  graph.set(file, importsOf(file, await Deno.readTextFile(new URL(file, root))));
}

const problems: string[] = [];
for (const [file, imports] of graph) {
  const inCli = file.startsWith("cli/") || file === "main.ts";
  for (const imported of imports) {
    if (!inCli && imported.startsWith("cli/")) {
      problems.push(`src/${file} imports src/${imported}: only src/cli/ and src/main.ts may`);
    }
  }
  if (file === "errors.ts" && imports.length > 0) {
    problems.push(`src/errors.ts imports ${imports.join(", ")}: it must import nothing`);
  }
}

// Cycles: a depth-first walk that reports each back edge once, with the loop it closes.
const state = new Map<string, "open" | "done">();
const stack: string[] = [];
function visit(file: string): void {
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
}
for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);

for (const problem of problems) console.error(problem);
console.error(
  problems.length === 0
    ? `imports: ${graph.size} modules, no import from src/cli/ below it, no cycle`
    : `imports: ${problems.length} problem(s)`,
);
Deno.exit(problems.length === 0 ? 0 : 1);
