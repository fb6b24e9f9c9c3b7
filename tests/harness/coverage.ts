/**
 * `deno task coverage`: the suite of `deno task test` (the task brings the clusters up first)
 * run with coverage (the CLI's runs in child processes too: tests/integration/scene.ts passes
 * them `DENO_COVERAGE_DIR`), then the reports, in coverage/:
 *
 * - `raw/`: what `deno test --coverage` recorded (started afresh on every run);
 * - `report.txt`: `deno coverage`'s table for the files of src/, then line coverage summed per
 *   top folder of src/ (config, cluster, journal, ...), which this script also prints;
 * - `lcov.info`, and `html/index.html` to browse it.
 *
 * `deno run -A tests/harness/coverage.ts tests/unit/` runs only the given test paths (the unit
 * tests need no cluster); `--report` only rebuilds the reports from `raw/`. The exit code is the
 * tests' (the reports are written either way), or 1 when a report cannot be made.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const OUT = `${ROOT}coverage`;
const RAW = `${OUT}/raw`;

/** Runs `deno <args>` in the checkout; its output goes through unless `capture`. */
async function deno(args: string[], capture = false): Promise<{ code: number; stdout: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: capture ? "piped" : "inherit",
    stderr: "inherit",
  }).output();
  return { code: output.code, stdout: capture ? new TextDecoder().decode(output.stdout) : "" };
}

/** Lines found and lines hit, per file of src/ (paths relative to src/), from lcov's text. */
export function linesPerFile(lcov: string): Map<string, { found: number; hit: number }> {
  const files = new Map<string, { found: number; hit: number }>();
  let file: string | undefined;
  for (const line of lcov.split("\n")) {
    if (line.startsWith("SF:")) {
      const path = line.slice(3);
      const at = path.indexOf("/src/");
      file = at < 0 ? undefined : path.slice(at + "/src/".length);
      if (file) files.set(file, { found: 0, hit: 0 });
    } else if (file && line.startsWith("LF:")) {
      files.get(file)!.found = Number(line.slice(3));
    } else if (file && line.startsWith("LH:")) {
      files.get(file)!.hit = Number(line.slice(3));
    } else if (line === "end_of_record") {
      file = undefined;
    }
  }
  return files;
}

/**
 * Line coverage summed per top folder of src/ (files right in src/ count as `src/*.ts`), as a
 * table sorted by folder, with the total last.
 */
export function perFolder(files: Map<string, { found: number; hit: number }>): string {
  const folders = new Map<string, { found: number; hit: number; files: number }>();
  for (const [file, lines] of files) {
    const folder = file.includes("/") ? `${file.slice(0, file.indexOf("/"))}/` : "src/*.ts";
    const sum = folders.get(folder) ?? { found: 0, hit: 0, files: 0 };
    folders.set(folder, {
      found: sum.found + lines.found,
      hit: sum.hit + lines.hit,
      files: sum.files + 1,
    });
  }
  const total = [...folders.values()].reduce(
    (sum, folder) => ({
      found: sum.found + folder.found,
      hit: sum.hit + folder.hit,
      files: sum.files + folder.files,
    }),
    { found: 0, hit: 0, files: 0 },
  );
  const percent = (hit: number, found: number) =>
    found === 0 ? "-" : `${(100 * hit / found).toFixed(1)} %`;
  const rows = [...folders.entries()].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([folder]) => folder.length), "all of src/".length);
  const row = (name: string, sum: { found: number; hit: number; files: number }) =>
    `${name.padEnd(width)}  ${percent(sum.hit, sum.found).padStart(8)}  ` +
    `${String(sum.hit).padStart(6)} of ${String(sum.found).padStart(6)} lines  ` +
    `${sum.files} file${sum.files === 1 ? "" : "s"}`;
  return [
    `${"folder".padEnd(width)}  ${"lines".padStart(8)}`,
    ...rows.map(([folder, sum]) => row(folder, sum)),
    row("all of src/", total),
  ].join("\n");
}

/** The .ts files of src/ (relative to it) that no test loaded: absent from the coverage. */
async function notLoaded(covered: Set<string>, dir = `${ROOT}src`, prefix = ""): Promise<string[]> {
  const missing: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      missing.push(...await notLoaded(covered, `${dir}/${entry.name}`, `${path}/`));
    } else if (entry.name.endsWith(".ts") && !covered.has(path)) missing.push(path);
  }
  return missing.sort();
}

async function reports(): Promise<number> {
  // The project's src/ only: not the tests, the harness or the dependencies.
  const filter = ["--include=src/"];
  const text = await deno(["coverage", RAW, ...filter], true);
  if (text.code !== 0) return text.code;
  const lcov = await deno(["coverage", RAW, ...filter, "--lcov", `--output=${OUT}/lcov.info`]);
  if (lcov.code !== 0) return lcov.code;
  // deno coverage --html writes into <raw>/html; the report lives beside the others.
  const html = await deno(["coverage", RAW, ...filter, "--html"]);
  if (html.code !== 0) return html.code;
  await Deno.remove(`${OUT}/html`, { recursive: true }).catch(() => {});
  await Deno.rename(`${RAW}/html`, `${OUT}/html`);

  const files = linesPerFile(await Deno.readTextFile(`${OUT}/lcov.info`));
  const missing = await notLoaded(new Set(files.keys()));
  const folders = `Line coverage per folder of src/:\n${perFolder(files)}\n` +
    (missing.length ? `\nNot loaded by any test (not counted above): ${missing.join(", ")}\n` : "");
  await Deno.writeTextFile(`${OUT}/report.txt`, `${text.stdout.trimEnd()}\n\n${folders}`);
  console.log(`\n${folders}`);
  console.log(`coverage reports: ${OUT}/report.txt, ${OUT}/html/index.html, ${OUT}/lcov.info`);
  return 0;
}

if (import.meta.main) {
  const reportOnly = Deno.args.includes("--report");
  const paths = Deno.args.filter((arg) => arg !== "--report");
  let tests = 0;
  if (!reportOnly) {
    await Deno.remove(RAW, { recursive: true }).catch(() => {});
    const run = await deno([
      "test",
      "-A",
      "--no-check=remote",
      `--coverage=${RAW}`,
      ...(paths.length ? paths : ["tests/"]),
    ]);
    tests = run.code;
  }
  const made = await reports();
  Deno.exit(tests !== 0 ? tests : made === 0 ? 0 : 1);
}
