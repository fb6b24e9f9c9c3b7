/**
 * Each command's help against the options it reads, built with `buildProgram()` (no process).
 *
 * - Registered options: each command's set equals EXPECTED below, so an option added by the way
 *   (by a shared helper, say) fails until it is listed here on purpose.
 * - Read options: every registered option's attribute name (commander's camelCase of the long
 *   flag; `--no-shutdown` is `shutdown`) must be read off the parsed values by the command's
 *   module or by a module it hands the values to (READERS: each entry names the call in the
 *   command's module that hands them over, and the test checks that call is there). "Read" is a
 *   property access on the values by the names these modules give them (`options.x`,
 *   `values.x`, `flags.x`, `show.x`), a template key `` `${role}X` `` (both `sourceX` and
 *   `targetX`), or `options[role]` (`source`, `target`); comments are stripped first, so a doc
 *   comment naming a flag does not count. An option nobody reads fails, and so does one read
 *   only by code the command does not reach (`--include` on rollback, which hands nothing to the
 *   selection code). The one exception, IGNORED, is checked to be still unread.
 * - Help: every option is listed under its group's heading (none under commander's catch-all
 *   "Options:"); no line is wider than the help width (80 in a pipe, at most 100 on a terminal);
 *   the global -v/-q are in every command's help; a default shown parses back, with the option's
 *   own parser, to the default (so it is in the units typed: 5mb, not 5242880); --journal's
 *   default is worded one way; only run's --pipeline-name says it takes every pipeline.
 */
import { assert, assertEquals } from "../assert.ts";
import type { Command, Option } from "../../src/deps.ts";
import { buildProgram } from "../../src/cli/program.ts";
import { helpWidthFor, JOURNAL_DEFAULT, MAX_HELP_WIDTH } from "../../src/cli/help.ts";

const ENDPOINTS = [
  "--pipeline",
  "--pipeline-name",
  "--source",
  "--target",
  "--insecure",
  "--timeout",
];
const side = (role: "source" | "target") =>
  [
    "user",
    "password-file",
    "api-key-file",
    "aws-region",
    "aws-service",
    "ca",
    "client-cert",
    "client-key",
    "insecure",
  ].map((name) => `--${role}-${name}`);
const CREDENTIALS = [...side("source"), ...side("target")];
const PAIR = ["--allow-elasticsearch-target", "--allow-older-target"];
const SELECTION = ["--include", "--exclude", "--allow-red", "--include-hidden"];
const TEMPLATES = ["--templates", "--ingest-pipelines"];
const COPY = ["--slices", "--concurrency", "--batch-bytes", "--page-size", "--max-attempts"];

/** The options each command registers, and none other. */
const EXPECTED: Record<string, string[]> = {
  info: [...ENDPOINTS, ...CREDENTIALS, "--json"],
  plan: [
    "--split",
    "--out",
    ...SELECTION,
    ...TEMPLATES,
    ...ENDPOINTS,
    ...PAIR,
    ...CREDENTIALS,
    "--json",
    "--json-detail",
  ],
  metadata: [
    "--dryrun",
    "--journal",
    "--keep-on-failure",
    ...SELECTION,
    ...TEMPLATES,
    ...ENDPOINTS,
    ...PAIR,
    ...CREDENTIALS,
    "--report",
    "--json",
    "--json-detail",
  ],
  rollback: [
    "--journal",
    "--dryrun",
    "--list",
    "--all",
    "--yes",
    ...ENDPOINTS,
    ...CREDENTIALS,
    "--json",
  ],
  verify: [
    "--journal",
    "--checksums",
    "--sample",
    ...SELECTION,
    ...ENDPOINTS,
    ...CREDENTIALS,
    "--json",
  ],
  run: [
    "--engine",
    "--dryrun",
    "--createonly",
    "--journal",
    "--restart",
    "--keep-on-failure",
    "--skip-unmigratable",
    "--retry-dead-letters",
    "--dead-letter",
    "--verify",
    ...SELECTION,
    ...TEMPLATES,
    ...COPY,
    "--max-docs-per-second",
    "--tune-target",
    "--no-tune-target",
    "--part",
    "--metrics-port",
    "--metrics-host",
    "--exit-when-done",
    "--pipelines",
    "--poll-interval",
    "--idle-polls",
    ...ENDPOINTS,
    ...PAIR,
    ...CREDENTIALS,
    "--per-index",
    "--json",
    "--json-detail",
  ],
  sync: [
    "--journal",
    "--dead-letter",
    "--interval",
    "--until-lag",
    "--final",
    "--freeze-source",
    "--unfreeze",
    "--deletes-every",
    "--propagate-index-deletes",
    "--metrics-port",
    "--metrics-host",
    ...SELECTION,
    ...TEMPLATES,
    ...COPY,
    ...ENDPOINTS,
    ...PAIR,
    ...CREDENTIALS,
    "--json",
  ],
  monitor: [
    "--poll-interval",
    "--idle-polls",
    "--no-shutdown",
    "--insecure",
    "--json",
    "--serve",
    "--serve-host",
    "--exit-when-done",
  ],
};

/** Code the values are handed to, and the call in the command's module that hands them over. */
interface Reader {
  modules: string[];
  handover: RegExp;
}

const ENDPOINT_READER: Reader = {
  modules: ["src/config/load.ts", "src/config/flags.ts", "src/config/client-cert.ts"],
  handover: /\b(resolveEndpoints|resolveAllEndpoints|loadEndpoints|loadTargetEndpoint)\(/,
};
const SELECTION_READER: Reader = {
  // planOptions reads the flags; the command calls it, or hands the values over as `selection`.
  modules: ["src/metadata/selection.ts"],
  handover: /\bplanOptions\((options|values)\b|\bselection: (options|values)\b/,
};
const COPY_READER: Reader = {
  modules: ["src/cli/copy-options.ts"],
  handover: /\bcopyTuningOf\(values\)/,
};
const RUN_OUTPUT_READER: Reader = {
  modules: ["src/cli/run-output.ts"],
  handover: /\brenderer\(values\)/,
};

/** Each command's module, and the readers its values reach. */
const READERS: Record<string, { module: string; readers: Reader[] }> = {
  info: { module: "src/cli/info.ts", readers: [ENDPOINT_READER] },
  plan: { module: "src/cli/plan.ts", readers: [ENDPOINT_READER, SELECTION_READER] },
  metadata: { module: "src/cli/metadata.ts", readers: [ENDPOINT_READER, SELECTION_READER] },
  rollback: { module: "src/cli/rollback.ts", readers: [ENDPOINT_READER] },
  verify: { module: "src/cli/verify.ts", readers: [ENDPOINT_READER, SELECTION_READER] },
  run: {
    module: "src/cli/run.ts",
    readers: [ENDPOINT_READER, SELECTION_READER, COPY_READER, RUN_OUTPUT_READER],
  },
  sync: {
    module: "src/cli/sync.ts",
    readers: [ENDPOINT_READER, SELECTION_READER, COPY_READER],
  },
  monitor: { module: "src/cli/monitor.ts", readers: [] },
};

/** Registered and deliberately not read, with the reason. */
const IGNORED: Record<string, Record<string, string>> = {
  monitor: { insecure: "the original tool's scripts pass it; removing it would fail them" },
};

const root = new URL("../../", import.meta.url);

function withoutComments(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, "")
    // A line comment starts a line or follows a space, so "http://..." in a string stays.
    .replace(/(^|\s)\/\/.*$/gm, "$1");
}

/** The attribute names a module reads off the option values (see the header). */
function readNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const [, name] of code.matchAll(/\b(?:options|values|flags|show)\??\.(\w+)/g)) {
    names.add(name);
  }
  for (const [, rest] of code.matchAll(/`\$\{role\}(\w+)`/g)) {
    names.add(`source${rest}`).add(`target${rest}`);
  }
  if (/\b(?:options|values|flags)\[role\]/.test(code)) names.add("source").add("target");
  return names;
}

async function source(path: string): Promise<string> {
  return withoutComments(await Deno.readTextFile(new URL(path, root)));
}

function commands(): Map<string, Command> {
  return new Map(buildProgram().commands.map((command) => [command.name(), command]));
}

/** The help of `command` at `width` columns. */
function helpAt(command: Command, width: number): string {
  command.configureOutput({ getOutHelpWidth: () => width });
  return command.helpInformation();
}

/** The heading each option line of a help text stands under, by the option's term. */
function headingsOf(help: string): Map<string, string> {
  const found = new Map<string, string>();
  let heading = "";
  for (const line of help.split("\n")) {
    if (/^\S.*:$/.test(line)) heading = line;
    const term = /^ {2}(-\S+(?:, --\S+)?(?: [<[]\S+[>\]])?)(?: {2,}|$)/.exec(line)?.[1];
    if (term) found.set(term, heading);
  }
  return found;
}

const own = (command: Command): readonly Option[] => command.options;

Deno.test("help: every command registers exactly the options listed for it", () => {
  const all = commands();
  assertEquals(
    [...all.keys()].filter((name) => name !== "help").sort(),
    Object.keys(EXPECTED).sort(),
  );
  for (const [name, expected] of Object.entries(EXPECTED)) {
    const registered = own(all.get(name)!).map((option) => option.long!);
    assertEquals(registered.toSorted(), expected.toSorted(), name);
    assertEquals(new Set(registered).size, registered.length, `${name}: an option twice`);
  }
});

Deno.test("help: every registered option is read by the command's code", async () => {
  for (const [name, command] of commands()) {
    if (name === "help") continue;
    const { module, readers } = READERS[name];
    const code = await source(module);
    const read = readNames(code);
    for (const reader of readers) {
      assert(reader.handover.test(code), `${module} no longer hands its values over as expected`);
      for (const path of reader.modules) readNames(await source(path)).forEach((n) => read.add(n));
    }
    const ignored = IGNORED[name] ?? {};
    const unread = own(command).map((option) => option.attributeName())
      .filter((attribute) => !read.has(attribute) && !(attribute in ignored));
    assertEquals(unread, [], `${name} registers options its code never reads`);
    for (const attribute of Object.keys(ignored)) {
      assert(!read.has(attribute), `${name} reads ${attribute} now: take it off IGNORED`);
    }
  }
});

Deno.test("help: the read check tells options read from options not read", async () => {
  // The check above, on a made-up option: proves the pattern does not match everything.
  const code = await source("src/cli/rollback.ts");
  const read = readNames(code);
  for (const path of ENDPOINT_READER.modules) {
    readNames(await source(path)).forEach((n) => read.add(n));
  }
  for (const attribute of ["include", "templates", "slices", "deadLetter", "noSuchOption"]) {
    assert(!read.has(attribute), `rollback's code seems to read ${attribute}`);
  }
  for (const attribute of ["sourceUser", "targetApiKeyFile", "source", "timeout", "yes"]) {
    assert(read.has(attribute), `rollback's code should read ${attribute}`);
  }
});

Deno.test("help: every option is listed under its group's heading", () => {
  for (const [name, command] of commands()) {
    if (name === "help") continue;
    const helper = command.createHelp();
    const headings = headingsOf(helpAt(command, 80));
    for (const option of own(command)) {
      const heading = option.helpGroupHeading;
      assert(heading && heading !== "Options:", `${name} ${option.long}: no group`);
      assertEquals(headings.get(helper.optionTerm(option)), heading, `${name} ${option.long}`);
    }
    assert(![...headings.values()].includes("Options:"), `${name}: an "Options:" catch-all`);
    assertEquals(headings.get("-v, --verbose"), "Global Options:", name);
    assertEquals(headings.get("-q, --quiet"), "Global Options:", name);
    assertEquals(headings.get("-h, --help"), "Global Options:", name);
  }
});

Deno.test("help: no line is wider than the help width, and never than 100 columns", () => {
  assertEquals(helpWidthFor(undefined), 80);
  assertEquals(helpWidthFor(60), 60);
  assertEquals(helpWidthFor(300), MAX_HELP_WIDTH);
  assertEquals(MAX_HELP_WIDTH, 100);
  const program = buildProgram();
  for (const width of [80, 100]) {
    for (const command of [program, ...program.commands]) {
      const wide = helpAt(command, width).split("\n").filter((line) => line.length > width);
      assertEquals(wide, [], `${command.name()} at ${width} columns`);
    }
  }
});

Deno.test("help: the list of commands gives each a one-line summary beside its name", () => {
  const program = buildProgram();
  const help = helpAt(program, 80);
  const list = help.slice(help.indexOf("\nCommands:\n") + "\nCommands:\n".length).trimEnd()
    .split("\n");
  assertEquals(
    list.map((line) => line.trim().split(/\s+/)[0]),
    [...program.commands.map((command) => command.name()), "help"],
    "one line per command: a summary that wraps spills under the names",
  );
  for (const command of program.commands) {
    if (command.name() !== "help") assert(command.summary(), `${command.name()}: no summary`);
  }
});

Deno.test("help: defaults are shown as typed, and parse back to the default", () => {
  for (const [name, command] of commands()) {
    const helper = command.createHelp();
    const help = helpAt(command, 100);
    assert(!/\b\d{6,}\b/.test(help), `${name}: a raw number in the help`);
    for (const option of own(command)) {
      if (option.defaultValue === undefined || option.negate) continue;
      const shown = /default: ([^,()]+)\)$/.exec(helper.optionDescription(option))?.[1];
      assert(shown !== undefined, `${name} ${option.long}: default not shown`);
      assert(!shown.startsWith('"'), `${name} ${option.long}: quoted default ${shown}`);
      const parsed = option.parseArg ? option.parseArg(shown, undefined) : shown;
      assertEquals(parsed, option.defaultValue, `${name} ${option.long}: shown ${shown}`);
    }
  }
});

Deno.test("help: --journal's default reads the same everywhere", () => {
  for (const [name, command] of commands()) {
    const journal = own(command).find((option) => option.long === "--journal");
    if (!journal) continue;
    if (name === "verify") {
      // verify reads a journal only when given one: it has no default to describe.
      assert(!journal.description.includes("default"), journal.description);
    } else {assert(
        journal.description.includes(`(${JOURNAL_DEFAULT}`),
        `${name}: ${journal.description}`,
      );}
  }
});

Deno.test("help: only run's --pipeline-name says every pipeline is taken without it", () => {
  for (const [name, command] of commands()) {
    const option = own(command).find((option) => option.long === "--pipeline-name");
    if (!option) continue;
    if (name === "run") assert(/every/.test(option.description), option.description);
    else {
      assert(!/\b(all|every)\b|migrates them/.test(option.description), option.description);
      assert(/needed/.test(option.description), `${name}: ${option.description}`);
    }
  }
});
