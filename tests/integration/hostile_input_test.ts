/**
 * Hostile and mistaken input (issue 12, section 3), through the CLI against real nodes: each
 * case gets a message naming the host, file, index or flag and the fix, exits 2 (bad input) or
 * 3 (cannot reach or log in), never prints "internal error" or a stack trace, and leaves both
 * clusters as they were (index and template names on source and target, compared before and
 * after). Every command (info, plan, metadata, run, verify, rollback) meets some bad input.
 *
 * Three cases are not refusals and say so: index names with unicode and URL-special characters
 * migrate (exit 0); a document larger than the target takes is dead-lettered while the rest
 * arrive (exit 1, as every run with dead letters); a definition the target refuses is a refusal
 * by a cluster (exit 1, `refused`), rolled back.
 *
 * Other test files run at the same time on the same nodes: names of their runs (`fm-...`,
 * `bench-...` not of this run's prefix) and dot-prefixed system names are left out of the
 * comparisons. Only the 413 test writes to os3, one index.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  addDocuments,
  assertNoStackTrace,
  assertRefused,
  bulk,
  call,
  cleanUp,
  type CliRun,
  endpoints,
  ensureNodes,
  inScene,
  nativeRunArgs,
  type NodeHandle,
  refreshedCount,
  runCli,
} from "./scene.ts";

const SMALL = { number_of_shards: 1, number_of_replicas: 0 };

/** Index and template names of a node: what a refused command must leave as it found. */
interface ClusterNames {
  indices: string[];
  indexTemplates: string[];
  componentTemplates: string[];
  legacyTemplates: string[];
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} -> ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** The names on `node` that this run could have made: other runs' and system names left out. */
async function names(node: NodeHandle, p: string): Promise<ClusterNames> {
  const ours = (name: string) =>
    name.startsWith(p) || !(name.startsWith(".") || /^(fm|bench)-/.test(name));
  const keep = (list: string[]) => list.filter(ours).sort();
  const [indices, composable, component, legacy] = await Promise.all([
    getJson(`${node.url}/_cat/indices?format=json&h=index&expand_wildcards=all`),
    getJson(`${node.url}/_index_template`),
    getJson(`${node.url}/_component_template`),
    getJson(`${node.url}/_template`),
  ]) as [
    Array<{ index: string }>,
    { index_templates: Array<{ name: string }> },
    { component_templates: Array<{ name: string }> },
    Record<string, unknown>,
  ];
  return {
    indices: keep(indices.map((row) => row.index)),
    indexTemplates: keep(composable.index_templates.map((t) => t.name)),
    componentTemplates: keep(component.component_templates.map((t) => t.name)),
    legacyTemplates: keep(Object.keys(legacy)),
  };
}

/** Names of each node now, to compare with {@link assertUnchanged} later. */
async function snapshot(nodes: NodeHandle[], p: string): Promise<ClusterNames[]> {
  return await Promise.all(nodes.map((node) => names(node, p)));
}

async function assertUnchanged(
  nodes: NodeHandle[],
  p: string,
  before: ClusterNames[],
): Promise<void> {
  const after = await snapshot(nodes, p);
  nodes.forEach((node, at) =>
    assertEquals(after[at], before[at], `${node.name} (${node.url}) was changed`)
  );
}

/** Runs several CLI commands at once (they are independent), in order of the list. */
function runAll(
  commands: string[][],
  options?: Parameters<typeof runCli>[1],
): Promise<CliRun[]> {
  return Promise.all(commands.map((args) => runCli(args, options)));
}

/** Every command that reads a pipeline file, given `file`; `journal` for rollback. */
function everyCommand(file: string, journal: string): Array<[string, string[]]> {
  return [
    ["info", ["info", "--pipeline", file]],
    ["plan", ["plan", "--pipeline", file]],
    ["metadata", ["metadata", file]],
    ["run", ["run", "--engine", "native", "--pipeline", file, "--journal", `${journal}.run`]],
    ["verify", ["verify", "--pipeline", file]],
    ["rollback", ["rollback", "--journal", journal, "--pipeline", file]],
  ];
}

/** A journal with nothing to delete on `target`, so rollback gets as far as its endpoints. */
async function writeJournal(path: string, target: string, entries: unknown[] = []): Promise<void> {
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      version: 1,
      runId: "hostile",
      target,
      startedAt: new Date().toISOString(),
      status: "completed",
      entries,
    }),
  );
}

/**
 * A journal entry of an index a run created, so that rollback has to ask the target about it
 * (the tests that use it never let it get that far).
 */
function created(name: string): unknown {
  return { kind: "index", name, status: "created", at: new Date().toISOString() };
}

/** A pipeline from `source` to `target` with extra lines under the source plugin. */
function pipelineYaml(source: string, target: string, sourceExtra = ""): string {
  return `hostile:
  source:
    opensearch:
      hosts: ["${source}"]
${sourceExtra}  sink:
    - opensearch:
        hosts: ["${target}"]
`;
}

/**
 * es7 with one small index of this run, os2 as target, a temporary directory, and the names of
 * both nodes before the test; after it, both must hold the same names, then all is removed.
 */
async function withPair(
  label: string,
  test: (context: { es7: NodeHandle; os2: NodeHandle; p: string; dir: string }) => Promise<void>,
): Promise<void> {
  await inScene(["es7", "os2"], label, async ({ es7, os2, p, dir }) => {
    await call(`${es7.url}/${p}a`, "PUT", { settings: SMALL });
    await addDocuments(es7.url, `${p}a`, 3);
    const before = await snapshot([es7, os2], p);
    await test({ es7, os2, p, dir });
    await assertUnchanged([es7, os2], p, before);
  });
}

/**
 * Writes `yaml` to `dir/name` and runs every command on it; returns the runs by command. The
 * journal rollback gets records `entries` (none: rollback then needs no request at all).
 */
async function everyCommandOn(
  dir: string,
  name: string,
  yaml: string,
  target: string,
  entries: unknown[] = [],
): Promise<Array<[string, CliRun]>> {
  const file = `${dir}/${name}`;
  await Deno.writeTextFile(file, yaml);
  const journal = `${dir}/${name}.journal.json`;
  await writeJournal(journal, target, entries);
  const commands = everyCommand(file, journal);
  const runs = await runAll(commands.map(([, args]) => args));
  return commands.map(([command], at) => [command, runs[at]]);
}

Deno.test("malformed YAML: every command names the file, line and column; exit 2; nothing changed", async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const yaml = `hostile:
  source:
    opensearch:
      hosts: ["${es7.url}"
  sink: [
`;
    for (const [command, run] of await everyCommandOn(dir, "broken.yaml", yaml, os2.url)) {
      assertRefused(run, 2, `${dir}/broken.yaml is not valid YAML at line `, ", column ");
      assertStringIncludes(run.stderr, "fix the YAML syntax there", command);
    }
    // The original tool's INLINE_PIPELINE, base64 of the same text.
    const inline = await runCli(["plan"], { env: { INLINE_PIPELINE: btoa(yaml) } });
    assertRefused(inline, 2, "INLINE_PIPELINE is not valid YAML at line ");
  });
});

Deno.test("a pipeline with no source, no sink, or an unknown plugin: the key and the fix, exit 2", async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const sink = `  sink:\n    - opensearch:\n        hosts: ["${os2.url}"]\n`;
    const source = `  source:\n    opensearch:\n      hosts: ["${es7.url}"]\n`;
    const cases: Array<[string, string, string[]]> = [
      ["no-source.yaml", `hostile:\n${sink}`, ["key `hostile.source` is missing", "source:"]],
      ["no-sink.yaml", `hostile:\n${source}`, ["key `hostile.sink` is missing", "sink:"]],
      [
        "kafka.yaml",
        `hostile:\n  source:\n    kafka:\n      topics: [t]\n${sink}`,
        ["`hostile.source` has no opensearch or elasticsearch plugin (found: kafka)"],
      ],
      [
        "stdout.yaml",
        `hostile:\n${source}  sink:\n    - stdout:\n`,
        ["`hostile.sink` has no opensearch or elasticsearch plugin (found: stdout)"],
      ],
    ];
    for (const [name, yaml, parts] of cases) {
      for (const [command, run] of await everyCommandOn(dir, name, yaml, os2.url)) {
        assertRefused(run, 2, `${dir}/${name}: `, ...parts);
        assertStringIncludes(run.stderr, "opensearch", command);
      }
    }
  });
});

Deno.test("wrong types (hosts: 5, indices.include a string, insecure: yes): the key path, exit 2", async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const cases: Array<[string, string, string[]]> = [
      [
        "hosts-number.yaml",
        pipelineYaml(es7.url, os2.url).replace(`hosts: ["${es7.url}"]`, "hosts: 5"),
        ["key `hostile.source.opensearch.hosts` is not a URL or a list of URLs", "number 5"],
      ],
      [
        "include-string.yaml",
        pipelineYaml(es7.url, os2.url, '      indices:\n        include: "logs-.*"\n'),
        [
          "key `hostile.source.opensearch.indices.include` is invalid",
          'include: [{index_name_regex: "logs-.*"}]',
        ],
      ],
      [
        "insecure-yes.yaml",
        pipelineYaml(es7.url, os2.url, "      insecure: yes-please\n"),
        ["key `hostile.source.opensearch.insecure` is invalid", "insecure: true"],
      ],
      [
        "plugin-string.yaml",
        `hostile:\n  source:\n    opensearch: "${es7.url}"\n  sink:\n    - opensearch:\n` +
        `        hosts: ["${os2.url}"]\n`,
        ["key `hostile.source.opensearch` must be a map of settings", "hosts:"],
      ],
    ];
    for (const [name, yaml, parts] of cases) {
      const runs = await everyCommandOn(dir, name, yaml, os2.url);
      for (const [, run] of runs) assertRefused(run, 2, `${dir}/${name}: `, ...parts);
    }
  });
});

Deno.test('empty hosts ([] and ""): said to be empty, with the key and an example; exit 2', async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    for (const [name, hosts] of [["empty-list.yaml", "[]"], ["empty-string.yaml", '""']]) {
      const yaml = pipelineYaml(es7.url, os2.url).replace(
        `hosts: ["${os2.url}"]`,
        `hosts: ${hosts}`,
      );
      for (const [, run] of await everyCommandOn(dir, name, yaml, os2.url)) {
        assertRefused(
          run,
          2,
          `${dir}/${name}: key \`hostile.sink[0].opensearch.hosts\` is empty`,
          'hosts: ["https://host:9200"]',
        );
      }
    }
  });
});

Deno.test("a URL without a scheme: both http:// and https:// offered, in the file and on the flags", async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const bare = es7.url.replace("http://", "");
    const yaml = pipelineYaml(bare, os2.url);
    for (const [, run] of await everyCommandOn(dir, "no-scheme.yaml", yaml, os2.url)) {
      assertRefused(
        run,
        2,
        `key \`hostile.source.opensearch.hosts\` has "${bare}", which is not an http(s) URL`,
        `hosts: ["http://${bare}"]`,
        `hosts: ["https://${bare}"]`,
      );
    }
    const journal = `${dir}/journal.json`;
    await writeJournal(journal, os2.url);
    const flags = ["--source", bare, "--target", os2.url];
    const runs = await runAll([
      ["info", ...flags],
      ["plan", ...flags],
      ["metadata", ...flags],
      ["run", "--engine", "native", ...flags, "--journal", `${dir}/run.json`],
      ["verify", ...flags],
    ]);
    for (const run of runs) {
      assertRefused(run, 2, `--source "${bare}" has no scheme`, `--source http://${bare}`);
      assertStringIncludes(run.stderr, `--source https://${bare}`);
    }
    const bareTarget = os2.url.replace("http://", "");
    const rollback = await runCli(["rollback", "--journal", journal, "--target", bareTarget]);
    assertRefused(rollback, 2, `--target "${bareTarget}" has no scheme`);
  });
});

Deno.test("a bad port (0, 70000, abc): named as the port, with the usual one to give; exit 2", async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const journal = `${dir}/journal.json`;
    await writeJournal(journal, os2.url);
    for (
      const [port, problem] of [
        ["0", "its port 0 is not a port from 1 to 65535"],
        ["70000", "its port 70000 is not a port from 1 to 65535"],
        ["abc", 'its port "abc" is not a number'],
      ]
    ) {
      const bad = `http://127.0.0.1:${port}`;
      const runs = await runAll([
        ["info", "--source", es7.url, "--target", bad],
        ["plan", "--source", bad, "--target", os2.url],
        ["metadata", "--source", es7.url, "--target", bad],
        ["run", "--engine", "native", "--source", bad, "--target", os2.url, "--journal", journal],
        ["verify", "--source", es7.url, "--target", bad],
        ["rollback", "--journal", journal, "--target", bad],
      ]);
      for (const run of runs) {
        assertRefused(run, 2, `"${bad}" is not a cluster URL: ${problem}`, "http://127.0.0.1:9200");
        // Refused before any request: no connection error.
        assert(!run.stderr.includes("cannot connect"), run.stderr);
      }
      const yaml = pipelineYaml(es7.url, bad);
      for (const [, run] of await everyCommandOn(dir, `port-${port}.yaml`, yaml, os2.url)) {
        assertRefused(
          run,
          2,
          `key \`hostile.sink[0].opensearch.hosts\` has "${bad}", which is not a cluster URL: ` +
            problem,
          'hosts: ["http://127.0.0.1:9200"]',
        );
      }
    }
  });
});

Deno.test("wrong credentials at the TLS proxy: exit 3, authentication failed for that host and user, no password", async () => {
  const { proxy } = await ensureNodes(["proxy"]);
  const wrong = "not-the-password-Zq81";
  const where = `authentication failed (401) at ${proxy.url} as user ${proxy.username}`;
  await withPair("hostile", async ({ es7, p, dir }) => {
    const journal = `${dir}/journal.json`;
    // Something to delete, so rollback has to ask the target (it never gets that far).
    await writeJournal(journal, proxy.url, [created(`${p}never`)]);
    const passwordFile = `${dir}/password`;
    await Deno.writeTextFile(passwordFile, `${wrong}\n`);
    const target = [
      "--target",
      proxy.url,
      "--target-ca",
      proxy.caPath!,
      "--target-user",
      proxy.username!,
    ];
    const flags = ["--source", es7.url, ...target];
    const runs = await runAll([
      ["info", ...flags, "--target-password-file", passwordFile],
      ["plan", ...flags, "--include", `${p}*`, "--target-password-file", passwordFile],
      ["metadata", ...flags, "--include", `${p}*`, "--journal", `${dir}/metadata.json`],
      ["run", "--engine", "native", ...flags, "--include", `${p}*`, "--journal", `${dir}/r.json`],
      ["verify", ...flags, "--include", `${p}*`],
      ["rollback", "--journal", journal, ...target],
    ], { env: { FETCH_MIGRATION_TARGET_PASSWORD: wrong } });
    for (const run of runs) {
      assertRefused(run, 3, where, "--target-user", "--target-password-file");
      assert(!`${run.stdout}${run.stderr}`.includes(wrong), "the password was printed");
    }
    // The same from a pipeline file, whose sink holds the credentials.
    const yaml = pipelineYaml(es7.url, proxy.url).replace(
      `hosts: ["${proxy.url}"]`,
      `hosts: ["${proxy.url}"]\n        username: ${proxy.username}\n        password: ${wrong}\n` +
        `        cert: ${proxy.caPath}`,
    );
    const entries = [created(`${p}never`)];
    for (
      const [, run] of await everyCommandOn(dir, "wrong-password.yaml", yaml, proxy.url, entries)
    ) {
      assertRefused(run, 3, where, "the pipeline's sink");
      assert(!`${run.stdout}${run.stderr}`.includes(wrong), "the password was printed");
    }
  });
});

Deno.test("an untrusted certificate without --target-ca: the problem and both ways out (CA, insecure); exit 3", async () => {
  const { proxy } = await ensureNodes(["proxy"]);
  const problem = `the TLS certificate of 127.0.0.1:${proxy.port} is not accepted: it is signed ` +
    "by an unknown CA";
  await withPair("hostile", async ({ es7, p, dir }) => {
    const journal = `${dir}/journal.json`;
    await writeJournal(journal, proxy.url, [created(`${p}never`)]);
    const flags = ["--source", es7.url, "--target", proxy.url, "--include", `${p}*`];
    const runs = await runAll([
      ["info", "--source", es7.url, "--target", proxy.url],
      ["plan", ...flags],
      ["metadata", ...flags, "--journal", `${dir}/metadata.json`],
      ["run", "--engine", "native", ...flags, "--journal", `${dir}/r.json`],
      ["verify", ...flags],
      ["rollback", "--journal", journal, "--target", proxy.url],
    ], {
      env: {
        FETCH_MIGRATION_TARGET_USER: proxy.username!,
        FETCH_MIGRATION_TARGET_PASSWORD: proxy.password!,
      },
    });
    for (const run of runs) {
      assertRefused(
        run,
        3,
        problem,
        "--target-ca FILE",
        "`cert: FILE` in the pipeline's sink",
        "--target-insecure",
      );
    }
    // The pipeline without `cert:`: the same, and the ways out name the pipeline's key.
    const yaml = pipelineYaml(es7.url, proxy.url).replace(
      `hosts: ["${proxy.url}"]`,
      `hosts: ["${proxy.url}"]\n        username: ${proxy.username}\n        password: ` +
        JSON.stringify(proxy.password),
    );
    const entries = [created(`${p}never`)];
    for (const [, run] of await everyCommandOn(dir, "no-ca.yaml", yaml, proxy.url, entries)) {
      assertRefused(run, 3, problem, "--target-ca FILE", "cert: FILE", "--target-insecure");
    }
  });
});

Deno.test("an existing --journal or --dead-letter file of something else: refused, left as it is; exit 2", async () => {
  await withPair("hostile", async ({ es7, os2, p, dir }) => {
    const pipeline = `${dir}/pipeline.yaml`;
    const text = pipelineYaml(es7.url, os2.url);
    await Deno.writeTextFile(pipeline, text);
    const finished = `${dir}/finished.json`;
    await writeJournal(finished, os2.url);
    const finishedText = await Deno.readTextFile(finished);
    const otherPair = `${dir}/other-pair.json`;
    await writeJournal(otherPair, "http://127.0.0.1:1");
    const empty = `${dir}/empty.json`;
    await Deno.writeTextFile(empty, "");
    const selection = ["--include", `${p}*`];
    const run = ["run", "--engine", "native", "--pipeline", pipeline, ...selection];
    const cases: Array<[string[], string[]]> = [
      [
        ["metadata", pipeline, ...selection, "--journal", finished],
        [`--journal ${finished} exists already; it was left as it is`, "does not exist yet"],
      ],
      [["metadata", pipeline, ...selection, "--journal", dir], [`--journal ${dir} is a directory`]],
      [
        [...run, "--journal", pipeline],
        [`--journal ${pipeline} is not a Fetch Migration journal`, "left as it is"],
      ],
      [[...run, "--journal", dir], [`--journal ${dir} is a directory, not a file`]],
      [[...run, "--journal", empty], [`--journal ${empty} is an empty file, not a journal`]],
      [
        [...run, "--journal", otherPair],
        [`the journal ${otherPair} is for the target http://127.0.0.1:1, not ${os2.url}`],
      ],
      [
        [...run, "--journal", `${dir}/new.json`, "--dead-letter", pipeline],
        [`--dead-letter ${pipeline} is not a dead-letter file`],
      ],
      [
        [...run, "--journal", `${dir}/new.json`, "--dead-letter", dir],
        [`--dead-letter ${dir} is a directory`],
      ],
      [
        ["verify", "--pipeline", pipeline, "--journal", pipeline],
        [`--journal ${pipeline} is not a Fetch Migration journal`],
      ],
      [["verify", "--pipeline", pipeline, "--journal", dir], [`--journal ${dir} is a directory`]],
      [
        ["verify", "--pipeline", pipeline, "--journal", `${dir}/none.json`],
        [`--journal ${dir}/none.json does not exist`, "journal: ..."],
      ],
      [
        ["rollback", "--journal", pipeline, "--target", os2.url],
        [`--journal ${pipeline} is not a Fetch Migration journal`],
      ],
      [["rollback", "--journal", dir, "--target", os2.url], [`--journal ${dir} is a directory`]],
      [
        ["rollback", "--journal", empty, "--target", os2.url],
        [`--journal ${empty} is an empty file`],
      ],
    ];
    const runs = await runAll(cases.map(([args]) => args));
    runs.forEach((result, at) => assertRefused(result, 2, ...cases[at][1]));
    assertEquals(await Deno.readTextFile(pipeline), text, "the pipeline file was changed");
    assertEquals(await Deno.readTextFile(finished), finishedText, "the journal was changed");
    assertEquals(await Deno.readTextFile(empty), "");
    // Nothing written but the lock files of the journals a run flow got to (kept by design:
    // src/journal/lock.ts).
    assertEquals(
      [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) =>
        !name.endsWith(".lock")
      ).sort(),
      ["empty.json", "finished.json", "other-pair.json", "pipeline.yaml"],
      "a file was left behind",
    );
  });
});

Deno.test('an invalid index_name_regex ("([a-"): file, key and regex named before any request; exit 2', async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const yaml = pipelineYaml(
      es7.url,
      os2.url,
      '      indices:\n        include:\n          - index_name_regex: "([a-"\n',
    );
    for (const [, run] of await everyCommandOn(dir, "bad-regex.yaml", yaml, os2.url)) {
      assertRefused(
        run,
        2,
        `${dir}/bad-regex.yaml: key \`hostile.source.opensearch.indices.include[0].` +
          'index_name_regex` has "([a-", which is not a valid regular expression',
        "fix the regex there",
      );
    }
  });
});

Deno.test("unknown flags and commands: commander names the close one; exit 2, nothing read", async () => {
  await withPair("hostile", async ({ es7, os2, dir }) => {
    const flags = ["--source", es7.url, "--target", os2.url];
    const cases: Array<[string[], string]> = [
      [["info", ...flags, "--jsn"], "unknown option '--jsn'\n(Did you mean --json?)"],
      [["plan", ...flags, "--inclde", "x"], "unknown option '--inclde'\n(Did you mean --include?)"],
      [["metadata", ...flags, "--dry-run"], "unknown option '--dry-run'\n(Did you mean --dryrun?)"],
      [
        ["run", "--engine", "native", ...flags, "--dry-run"],
        "unknown option '--dry-run'\n(Did you mean --dryrun?)",
      ],
      [
        ["verify", ...flags, "--checksum"],
        "unknown option '--checksum'\n(Did you mean --checksums?)",
      ],
      // --journal is required, yet the typo is what gets named.
      [
        ["rollback", "--jornal", `${dir}/j.json`, "--target", os2.url],
        "unknown option '--jornal'\n(Did you mean --journal?)",
      ],
      [["plna", ...flags], "unknown command 'plna'\n(Did you mean plan?)"],
    ];
    const runs = await runAll(cases.map(([args]) => args));
    runs.forEach((run, at) => {
      assertEquals(run.code, 2, run.stderr);
      assertStringIncludes(run.stderr, `error: ${cases[at][1]}`);
      assertStringIncludes(run.stderr, "(run with --help for usage)");
      assertNoStackTrace(run.stderr);
    });
    // Without --journal at all, rollback says what it needs.
    const missing = await runCli(["rollback", "--target", os2.url]);
    assertRefused(missing, 2, "rollback needs the journal", "--journal FILE");
  });
});

Deno.test("index names with unicode, +, %, & and more go through plan, metadata, run, verify --checksums and rollback", () =>
  inScene(["es7", "os2"], "hostile", async ({ es7, os2, p, dir }) => {
    // `#`, a space, `:` and `,` cannot be in an index name on Elasticsearch 7 or OpenSearch (both
    // refuse them, checked below), so document ids carry those.
    const indices = [`${p}é+%&=;'@[x]索引~^!$()`, `${p}ü+100%`];
    const ids = ["a b", "a/b", "a#b", "a?b", "100%", "é+x", "a&b=c", "a:b,c", "../x", "%2F"];
    const enc = encodeURIComponent;
    for (const refused of [`${p}a#b`, `${p}a b`]) {
      const response = await fetch(`${es7.url}/${enc(refused)}`, { method: "PUT" });
      assertEquals(response.status, 400, `es7 took the index name ${refused}`);
      await response.body?.cancel();
    }
    for (const index of indices) {
      await call(`${es7.url}/${enc(index)}`, "PUT", { settings: SMALL });
      const lines = ids.map((id, n) =>
        `${JSON.stringify({ index: { _index: index, _id: id } })}\n` +
        `${JSON.stringify({ title: `${index} ${id}`, n })}\n`
      ).join("");
      await bulk(es7.url, lines);
    }
    const before = await snapshot([es7, os2], p);
    const pipeline = `${dir}/pipeline.yaml`;
    await Deno.writeTextFile(
      pipeline,
      pipelineYaml(
        es7.url,
        os2.url,
        `      indices:\n        include:\n` +
          `          - index_name_regex: "${p}.*"\n`,
      ),
    );

    const plan = await runCli(["plan", "--pipeline", pipeline, "--json"]);
    assertEquals(plan.code, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout);
    assertEquals([...planned.indices.create].sort(), [...indices].sort());
    assertEquals(planned.documents.total, indices.length * ids.length);

    // metadata writes a pipeline with one exact-match regex per index: special characters
    // escaped so each matches its own name and nothing else.
    const output = `${dir}/output.yaml`;
    const created = await runCli(["metadata", pipeline, output, "--journal", `${dir}/meta.json`]);
    assertEquals(created.code, 0, created.stderr);
    for (const index of indices) {
      assertEquals((await fetch(`${os2.url}/${enc(index)}`, { method: "HEAD" })).status, 200);
    }
    const undone = await runCli(["rollback", "--journal", `${dir}/meta.json`, "--target", os2.url]);
    assertEquals(undone.code, 0, undone.stderr);
    await assertUnchanged([es7, os2], p, before);

    const journal = `${dir}/run.json`;
    const run = await runCli([
      "run",
      "--engine",
      "native",
      "--pipeline",
      output,
      "--journal",
      journal,
      "--json",
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout).documents.copied, indices.length * ids.length);
    for (const index of indices) {
      for (const id of ids) {
        const doc = await call(`${os2.url}/${enc(index)}/_doc/${enc(id)}`, "GET");
        assertEquals([doc._index, doc._id], [index, id]);
      }
    }
    const verify = await runCli(["verify", "--pipeline", output, "--checksums", "--json"]);
    assertEquals(verify.code, 0, verify.stderr);
    const report = JSON.parse(verify.stdout);
    assertEquals(report.indices.map((row: { index: string }) => row.index).sort(), indices.sort());
    const verifyJournal = await runCli([
      "verify",
      "--pipeline",
      output,
      "--journal",
      journal,
      "--sample",
      "5",
    ]);
    assertEquals(verifyJournal.code, 0, verifyJournal.stderr);

    const rollback = await runCli(["rollback", "--journal", journal, "--target", os2.url]);
    assertEquals(rollback.code, 0, rollback.stderr);
    for (const index of indices) assertStringIncludes(rollback.stderr, index);
    await assertUnchanged([es7, os2], p, before);
  }));

Deno.test("a document larger than the target's http.max_content_length is dead-lettered by id; the other 200 arrive (es7 -> os3, exit 1)", () =>
  inScene(["es7", "os3"], "hostile", async ({ es7, os3, p, dir }) => {
    const index = `${p}big`;
    const before = await snapshot([es7, os3], p);
    await call(`${es7.url}/${index}`, "PUT", {
      settings: SMALL,
      // Stored, not indexed: the source takes it whole without analysing 11 MB.
      mappings: { properties: { blob: { type: "text", index: false }, n: { type: "long" } } },
    });
    await addDocuments(es7.url, index, 200);
    // os3 takes requests of 10 MB at most (tests/harness/nodes.ts); es7, 100 MB.
    const huge = { n: -1, blob: "x".repeat(11 * 1024 * 1024) };
    await bulk(es7.url, `{"index":{"_index":"${index}","_id":"huge"}}\n${JSON.stringify(huge)}\n`);
    const journal = `${dir}/run.json`;
    const deadLetters = `${dir}/dead.ndjson`;
    const run = await runCli(
      nativeRunArgs({ source: es7, target: os3, include: index, journal }, [
        "--dead-letter",
        deadLetters,
      ]),
    );
    assertEquals(run.code, 1, run.stderr);
    assertNoStackTrace(run.stderr);
    assertStringIncludes(run.stderr, `1 document refused by the target, in ${deadLetters}`);
    assertStringIncludes(run.stderr, "413 request_entity_too_large");
    assertStringIncludes(run.stderr, `${index}: 200 of 201 documents on the target`);
    assertStringIncludes(run.stderr, "--retry-dead-letters");
    const letters = (await Deno.readTextFile(deadLetters)).trim().split("\n");
    assertEquals(letters.length, 1);
    const letter = JSON.parse(letters[0]);
    assertEquals([letter.index, letter.id, letter.status], [index, "huge", 413]);
    assertStringIncludes(letter.reason, "11.0 MB");
    assertStringIncludes(letter.reason, "http.max_content_length");
    assertEquals(letter.source.blob.length, huge.blob.length);
    assertEquals(await refreshedCount(os3.url, index), 200);

    const rollback = await runCli(["rollback", "--journal", journal, "--target", os3.url]);
    assertEquals(rollback.code, 0, rollback.stderr);
    await cleanUp([es7.url], p);
    await assertUnchanged([es7, os3], p, before);
  }));

Deno.test("a definition the target refuses: the index and the target's reason named, nothing half-created (exit 1)", () =>
  inScene(["es7", "os2"], "hostile", async ({ es7, os2, p, dir }) => {
    await call(`${es7.url}/${p}a-good`, "PUT", { settings: SMALL });
    await addDocuments(es7.url, `${p}a-good`, 2);
    // Elasticsearch 7 takes soft deletes turned off; OpenSearch 2 refuses to create such an
    // index, and no plan rule removes the setting.
    await call(`${es7.url}/${p}b-refused`, "PUT", {
      settings: { ...SMALL, "index.soft_deletes.enabled": false },
    });
    await call(`${es7.url}/${p}c-good`, "PUT", { settings: SMALL });
    // A template for the selected indices: created first, so it must be undone too.
    await call(`${es7.url}/_template/${p}tpl`, "PUT", {
      index_patterns: [`${p}zz-*`, `${p}a-*`],
      settings: { number_of_shards: 1 },
    });
    const before = await snapshot([es7, os2], p);
    const flags = endpoints(es7, os2, `${p}*`);
    // One after the other: both create the same indices.
    for (
      const args of [
        ["metadata", ...flags, "--journal", `${dir}/metadata.json`],
        nativeRunArgs({ source: es7, target: os2, include: `${p}*`, journal: `${dir}/run.json` }),
      ]
    ) {
      const run = await runCli(args);
      assertEquals(run.code, 1, run.stderr);
      assertNoStackTrace(run.stderr);
      assertStringIncludes(run.stderr, `error: creating index ${p}b-refused failed`);
      assertStringIncludes(run.stderr, "Creating indices with soft-deletes disabled is no longer");
      // The template and the indices created beside the refusal, all deleted again.
      assertMatch(run.stderr, /\d creations of this run rolled back, the target is as before/);
      assertMatch(run.stderr, /^hint: /m);
    }
    await assertUnchanged([es7, os2], p, before);
  }));

Deno.test("a target older than the source (os2 -> os1): refused with the reason unless --allow-older-target", () =>
  inScene(["os1", "os2"], "hostile", async ({ os1, os2, p, dir }) => {
    await call(`${os2.url}/${p}newer`, "PUT", { settings: SMALL });
    await addDocuments(os2.url, `${p}newer`, 3);
    const before = await snapshot([os2, os1], p);
    const flags = endpoints(os2, os1, `${p}*`);
    const journal = `${dir}/run.json`;
    const copy = nativeRunArgs({ source: os2, target: os1, include: `${p}*`, journal });
    const reason = `the target ${os1.url} runs OpenSearch ${os1.version}, older than the ` +
      `source ${os2.url} (OpenSearch ${os2.version})`;
    const [plan, metadata, run, dryrun] = await runAll([
      ["plan", ...flags],
      ["metadata", ...flags, "--journal", `${dir}/metadata.json`],
      copy,
      [...copy, "--dryrun"],
    ]);
    // plan changes nothing: it warns, and says what metadata and run will do.
    assertEquals(plan.code, 0, plan.stderr);
    assertStringIncludes(plan.stderr, `warning: ${reason}`);
    assertStringIncludes(plan.stderr, "--allow-older-target");
    for (const refused of [metadata, run, dryrun]) {
      assertRefused(refused, 2, reason, "wrong way round", "--allow-older-target");
    }
    await assertUnchanged([os2, os1], p, before);

    const allowed = await runCli([...copy, "--allow-older-target"]);
    assertEquals(allowed.code, 0, allowed.stderr);
    assertStringIncludes(allowed.stderr, "3 of 3 documents on the target");
    const rollback = await runCli(["rollback", "--journal", journal, "--target", os1.url]);
    assertEquals(rollback.code, 0, rollback.stderr);
    await assertUnchanged([os2, os1], p, before);
  }));
