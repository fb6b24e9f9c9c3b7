/**
 * A real browser for the status page's tests: Debian's Chromium, headless. `renderedDom` loads a
 * page, lets its scripts run (and their requests answer) for a while, and returns the DOM as the
 * scripts left it; `screenshot` saves a PNG of it. When Chromium is missing it is installed with
 * apt-get, as the harness does nginx; when that is impossible, `chromiumMissing` says why and the
 * tests are reported as not run.
 */
import { onPath } from "./shell.ts";

const INSTALL_COMMAND = "apt-get update && apt-get install -y chromium";

let chromium: Promise<{ path?: string; missing?: string }> | undefined;

/** The Chromium binary, installing Debian's package once when there is none. */
function findChromium(): Promise<{ path?: string; missing?: string }> {
  chromium ??= (async () => {
    const found = Deno.env.get("FM_CHROMIUM") ?? await onPath("chromium");
    if (found) return { path: found };
    console.error(`browser: Chromium is missing; running: ${INSTALL_COMMAND}`);
    const install = await new Deno.Command("sh", {
      args: ["-c", INSTALL_COMMAND],
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "piped",
    }).output().catch((error) => ({ success: false, code: -1, stderr: String(error) }));
    const installed = await onPath("chromium");
    if (installed) return { path: installed };
    const why = typeof install.stderr === "string"
      ? install.stderr
      : new TextDecoder().decode(install.stderr).trim().split("\n").slice(-2).join(" ");
    return {
      missing: `Chromium is not installed and \`${INSTALL_COMMAND}\` failed (exit ${install.code}` +
        `: ${why.slice(0, 200)}); install Debian's chromium package or set FM_CHROMIUM`,
    };
  })();
  return chromium;
}

/** Why the browser tests cannot run here, or undefined when Chromium is there (or installed). */
export async function chromiumMissing(): Promise<string | undefined> {
  return (await findChromium()).missing;
}

/** Headless Chromium's flags for a test: no sandbox (root in CI), no GPU, no first-run chores. */
function flags(extra: string[]): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--hide-scrollbars",
    `--user-data-dir=${Deno.makeTempDirSync({ prefix: "fm-chromium-" })}`,
    ...extra,
  ];
}

async function runChromium(args: string[]): Promise<string> {
  const { path, missing } = await findChromium();
  if (!path) throw new Error(missing);
  const output = await new Deno.Command(path, {
    args: flags(args),
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `chromium ${args.join(" ")} exited ${output.code}:\n` +
        new TextDecoder().decode(output.stderr).slice(-2000),
    );
  }
  return stdout;
}

/**
 * The page at `url` as its scripts left it after `budgetMs` of the page's time (Chromium's
 * virtual time waits for the requests the scripts make, so their answers are rendered).
 */
export async function renderedDom(url: string, budgetMs = 3_000): Promise<string> {
  return await runChromium([`--virtual-time-budget=${budgetMs}`, "--dump-dom", url]);
}

/** Saves a PNG of the page at `url`, `width`×`height`, after `budgetMs` of its time. */
export async function screenshot(
  url: string,
  path: string,
  { width = 1100, height = 900, budgetMs = 3_000 } = {},
): Promise<void> {
  await runChromium([
    `--virtual-time-budget=${budgetMs}`,
    `--window-size=${width},${height}`,
    `--screenshot=${path}`,
    url,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Reading a rendered DOM (the page's own markup: ids, classes and data attributes)

/** Decodes the entities Chromium writes in text. */
function text(html: string): string {
  return html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&").trim();
}

/** The text of the element with `id`. */
export function textById(dom: string, id: string): string {
  const match = new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(dom);
  if (!match) throw new Error(`no element #${id} in the rendered page`);
  return text(match[2]);
}

/** An attribute of the element with `id`. */
export function attributeById(dom: string, id: string, attribute: string): string | undefined {
  const tag = new RegExp(`<[^>]*\\bid="${id}"[^>]*>`).exec(dom)?.[0];
  if (!tag) throw new Error(`no element #${id} in the rendered page`);
  return new RegExp(`\\b${attribute}="([^"]*)"`).exec(tag)?.[1];
}

/** One row of a table the page drew: its key (`data-<key>`) and its cells' texts by class. */
export interface RenderedRow {
  key: string;
  cells: Record<string, string>;
}

/** The rows of the page's `<tbody id=...>`, each keyed by its `data-index` or `data-part`. */
export function rowsById(dom: string, tbodyId: string): RenderedRow[] {
  const body = new RegExp(`<tbody[^>]*\\bid="${tbodyId}"[^>]*>([\\s\\S]*?)</tbody>`).exec(dom);
  if (!body) throw new Error(`no table body #${tbodyId} in the rendered page`);
  return [...body[1].matchAll(/<tr[^>]*\bdata-(?:index|part)="([^"]*)"[^>]*>([\s\S]*?)<\/tr>/g)]
    .map(([, key, row]) => ({
      key: text(key),
      cells: Object.fromEntries(
        [...row.matchAll(/<td class="([^"]*)">([\s\S]*?)<\/td>/g)].map(([, classes, cell]) => [
          classes.split(" ").at(-1)!.replace(/^state-.*/, "state"),
          text(cell),
        ]),
      ),
    }));
}

/** `"12,345"` → 12345. */
export function numberOf(shown: string): number {
  return Number(shown.replace(/,/g, ""));
}
