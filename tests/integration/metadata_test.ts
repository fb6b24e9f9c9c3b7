/**
 * `metadata` and `rollback` against real clusters: every source version into os2 and os3, a
 * failed create rolled back, and the original command's output file.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "../assert.ts";
import {
  addDocuments,
  call,
  cleanUp,
  endpoints,
  ensureNodes,
  inScene,
  type NodeHandle,
  runCli,
  runPrefix,
} from "./scene.ts";

const SOURCES = ["es6", "es7", "es8", "os1", "os2", "os3"] as const;
const TARGETS = ["os2", "os3"] as const;

function typed(node: NodeHandle, mappings: Record<string, unknown>): Record<string, unknown> {
  return node.distribution === "elasticsearch" && node.version.startsWith("6.")
    ? { doc: mappings }
    : mappings;
}

/** Indices and templates of every kind the source version has, with aliases and analyzers. */
async function prepareSource(node: NodeHandle, p: string): Promise<void> {
  const es6 = node.version.startsWith("6.") && node.distribution === "elasticsearch";
  await call(`${node.url}/${p}logs`, "PUT", {
    settings: {
      number_of_shards: 1,
      number_of_replicas: 0,
      // Built only from components every node has (no analysis-common on most test nodes).
      analysis: {
        analyzer: { folded: { type: "custom", tokenizer: "standard", filter: ["lowercase"] } },
      },
    },
    mappings: typed(node, {
      properties: {
        message: {
          type: "text",
          analyzer: "folded",
          fields: { raw: { type: "keyword", ignore_above: 256 } },
        },
        user: { properties: { id: { type: "keyword" }, age: { type: "integer" } } },
        tags: { type: "nested", properties: { name: { type: "keyword" } } },
        at: { type: "date" },
      },
    }),
    aliases: {
      [`${p}errors`]: { filter: { term: { "user.id": "e" } } },
      [`${p}routed`]: { index_routing: "1", search_routing: "1,2" },
    },
  });
  await addDocuments(node.url, `${p}logs`, 20, es6 ? "doc" : undefined);
  await call(`${node.url}/_template/${p}legacy`, "PUT", {
    index_patterns: [`${p}legacy-*`],
    order: 2,
    settings: { number_of_shards: 1 },
    mappings: typed(node, { properties: { host: { type: "keyword" } } }),
  });
  const composable = node.distribution === "opensearch" || !node.version.startsWith("6.");
  if (composable) {
    await call(`${node.url}/_component_template/${p}base`, "PUT", {
      template: {
        settings: { number_of_replicas: 0 },
        mappings: { properties: { ts: { type: "date" } } },
      },
    });
    await call(`${node.url}/_index_template/${p}events`, "PUT", {
      index_patterns: [`${p}events-*`],
      composed_of: [`${p}base`],
      priority: 50,
      template: { aliases: { [`${p}all-events`]: {} } },
    });
  }
}

/** Names and definitions of everything on a node that a run could have changed. */
async function targetState(url: string): Promise<string> {
  const [indices, legacy, composable, component] = await Promise.all([
    call(`${url}/_all/_mapping?expand_wildcards=all`, "GET"),
    call(`${url}/_template`, "GET"),
    call(`${url}/_index_template`, "GET"),
    call(`${url}/_component_template`, "GET"),
  ]);
  return JSON.stringify({ indices, legacy, composable, component });
}

const SMALL = { number_of_shards: 1, number_of_replicas: 0 };

for (const sourceName of SOURCES) {
  for (const targetName of TARGETS) {
    if (sourceName === targetName) continue;
    Deno.test(`metadata ${sourceName} -> ${targetName}: every bucket, create, re-plan identical, rollback`, async () => {
      const nodes = await ensureNodes([sourceName, targetName]);
      const source = nodes[sourceName];
      const target = nodes[targetName];
      const es6 = source.distribution === "elasticsearch" && source.version.startsWith("6.");
      const composable = !es6;
      const p = runPrefix(`md-${sourceName}-${targetName}`);
      const journal = () => Deno.makeTempDir().then((dir) => `${dir}/journal.json`);
      const pair = endpoints(source, target);
      // os3 into os2 is a migration to an older release: metadata refuses it unless asked.
      const older = sourceName === "os3" && targetName === "os2" ? ["--allow-older-target"] : [];
      try {
        await prepareSource(source, p);
        const plain = {
          settings: SMALL,
          mappings: typed(source, { properties: { k: { type: "keyword" } } }),
        };
        for (const name of ["empty", "same", "conflict", "tmp-1"]) {
          await call(`${source.url}/${p}${name}`, "PUT", plain);
          await addDocuments(source.url, `${p}${name}`, 2, es6 ? "doc" : undefined);
        }
        await call(`${source.url}/${p}red?wait_for_active_shards=0`, "PUT", {
          settings: { ...SMALL, "index.routing.allocation.require._name": "no-such-node" },
        });
        // On the target: empty and same created by us (so identical by construction), same then
        // given data, conflict created by hand with another mapping.
        const seeded = await runCli([
          "metadata",
          ...pair,
          ...older,
          "--include",
          `${p}empty`,
          "--include",
          `${p}same`,
          "--journal",
          await journal(),
        ]);
        assertEquals(seeded.code, 0, seeded.stderr);
        // As many as the source: a target with fewer would be partially filled.
        await addDocuments(target.url, `${p}same`, 2);
        await call(`${target.url}/${p}conflict`, "PUT", {
          settings: SMALL,
          mappings: { properties: { k: { type: "text" } } },
        });

        const selection = ["--include", `${p}*`, "--exclude", `${p}tmp-*`];
        const planned = await runCli(["plan", ...pair, ...selection, "--json-detail"]);
        assertEquals(planned.code, 0, planned.stderr);
        const plan = JSON.parse(planned.stdout);
        assertEquals(plan.indices.create, [`${p}logs`]);
        assertEquals(plan.indices.identical_empty, [`${p}empty`]);
        assertEquals(plan.indices.identical, [`${p}same`]);
        assertEquals(plan.indices.conflicting.map((c: { name: string }) => c.name), [
          `${p}conflict`,
        ]);
        assertEquals(plan.indices.excluded.filter((n: string) => n.startsWith(p)), [`${p}tmp-1`]);
        assertEquals(plan.indices.unhealthy.map((u: { name: string }) => u.name), [`${p}red`]);
        assertEquals(plan.documents.total, 22);

        const applied = await runCli([
          "metadata",
          ...pair,
          ...older,
          ...selection,
          "--journal",
          await journal(),
          "--json",
        ]);
        assertEquals(applied.code, 0, applied.stderr);
        // The seeding run selected two indices no template can shape, so it created none; this
        // run's selection (${p}*) can be shaped by all of this test's templates.
        assertEquals(JSON.parse(applied.stdout).created, [
          ...(composable
            ? [
              { kind: "component", name: `${p}base` },
              { kind: "index-template", name: `${p}events` },
            ]
            : []),
          { kind: "legacy", name: `${p}legacy` },
          { kind: "index", name: `${p}logs` },
        ]);

        // What we created must compare identical to the source: no spurious differences.
        const again = JSON.parse(
          (await runCli(["plan", ...pair, ...selection, "--json-detail"])).stdout,
        );
        assertEquals(again.indices.create, []);
        assertEquals(again.indices.identical_empty, [`${p}empty`, `${p}logs`]);
        // Templates are cluster-wide: look at this test's own only.
        const own = (names: string[]) => names.filter((name) => name.startsWith(p));
        assertEquals(own(again.templates.legacy.identical), [`${p}legacy`]);
        if (composable) {
          assertEquals(own(again.templates.component.identical), [`${p}base`]);
          assertEquals(own(again.templates.index.identical), [`${p}events`]);
        }
        const aliases = await call(`${target.url}/${p}logs/_alias`, "GET");
        const created =
          (aliases[`${p}logs`] as { aliases: Record<string, Record<string, unknown>> }).aliases;
        assertEquals(created[`${p}routed`], { index_routing: "1", search_routing: "1,2" });
        assert(created[`${p}errors`].filter, "the filtered alias keeps its filter");

        // A create the target rejects: the second index's alias is the name of an existing
        // target index. The first index, created before it, must be rolled back.
        await call(`${target.url}/${p}taken`, "PUT", { settings: SMALL });
        await call(`${source.url}/${p}zz-a-fine`, "PUT", { settings: SMALL });
        await call(`${source.url}/${p}zz-b-clash`, "PUT", {
          settings: SMALL,
          aliases: { [`${p}taken`]: {} },
        });
        const before = await targetState(target.url);
        const failed = await runCli([
          "metadata",
          ...pair,
          ...older,
          "--include",
          `${p}zz-*`,
          "--journal",
          await journal(),
        ]);
        assertEquals(failed.code, 1, failed.stderr);
        assertStringIncludes(failed.stderr, `creating index ${p}zz-b-clash failed`);
        assertStringIncludes(failed.stderr, "rolled back");
        assertEquals(await targetState(target.url), before);
      } finally {
        await cleanUp([source.url, target.url], p);
      }
    });
  }
}

Deno.test("an ES 6 index with a custom type is created typeless on os2 and the rule is named", () =>
  inScene(["es6", "os2"], "md-typed", async ({ es6, os2, p, dir }) => {
    await call(`${es6.url}/${p}tweets`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { tweet: { properties: { text: { type: "text" }, likes: { type: "long" } } } },
    });
    const run = await runCli([
      "metadata",
      ...endpoints(es6, os2, `${p}*`),
      "--report",
      "--journal",
      `${dir}/j.json`,
    ]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(
      run.stderr,
      "mapping type [tweet] removed; mappings are typeless [remove-mapping-type]",
    );
    const mapping = await call(`${os2.url}/${p}tweets/_mapping`, "GET");
    assertEquals(mapping[`${p}tweets`], {
      mappings: { properties: { likes: { type: "long" }, text: { type: "text" } } },
    });
  }));

Deno.test("a create the target rejects mid-apply leaves the target exactly as before", () =>
  inScene(["es6", "os2"], "md-fail", async ({ es6, os2, p, dir }) => {
    const journal = `${dir}/journal.json`;
    for (const name of ["a-good", "b-good"]) {
      await call(`${es6.url}/${p}${name}`, "PUT", {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { doc: { properties: { f: { type: "keyword" } } } },
      });
    }
    await call(`${es6.url}/_template/${p}tpl`, "PUT", {
      index_patterns: [`${p}x-*`],
      mappings: { doc: { properties: { g: { type: "keyword" } } } },
    });
    // The ngram tokenizer lives in analysis-common, which es6 has and os2's zip has not: os2
    // refuses this index after the templates and the first two indices were created.
    await call(`${es6.url}/${p}z-bad`, "PUT", {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        analysis: {
          tokenizer: { grams: { type: "ngram", min_gram: 2, max_gram: 3 } },
          analyzer: { g: { tokenizer: "grams" } },
        },
      },
    });
    const before = await targetState(os2.url);
    const run = await runCli(["metadata", ...endpoints(es6, os2, `${p}*`), "--journal", journal]);
    assertEquals(run.code, 1, run.stderr);
    assertStringIncludes(run.stderr, `creating index ${p}z-bad failed`);
    assertMatch(run.stderr, /ngram/);
    assertStringIncludes(run.stderr, "rolled back");
    assertEquals(await targetState(os2.url), before);
    const recorded = JSON.parse(await Deno.readTextFile(journal));
    assertEquals(recorded.status, "rolled-back");
    assertEquals(
      recorded.entries.map((e: { name: string; status: string }) => `${e.name}:${e.status}`),
      [
        `${p}tpl:rolled-back`,
        `${p}a-good:rolled-back`,
        `${p}b-good:rolled-back`,
        `${p}z-bad:failed`,
      ],
    );
  }));

Deno.test("rollback --journal deletes what the run created and nothing else", () =>
  inScene(["es7", "os2"], "md-rb", async ({ es7, os2, p, dir }) => {
    const journal = `${dir}/journal.json`;
    await call(`${es7.url}/${p}mine`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    await call(`${os2.url}/${p}theirs`, "PUT", {
      settings: { number_of_shards: 1, number_of_replicas: 0 },
    });
    const args = endpoints(es7, os2, `${p}*`);
    assertEquals((await runCli(["metadata", ...args, "--journal", journal])).code, 0);
    await call(`${os2.url}/${p}mine`, "GET");
    const run = await runCli(["rollback", "--journal", journal, "--target", os2.url]);
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(run.stderr, "rolled back 1");
    assertEquals(await fetch(`${os2.url}/${p}mine`).then((r) => (r.body?.cancel(), r.status)), 404);
    assertEquals(
      await fetch(`${os2.url}/${p}theirs`).then((r) => (r.body?.cancel(), r.status)),
      200,
    );
    const wrong = await runCli(["rollback", "--journal", journal, "--target", es7.url]);
    assertEquals(wrong.code, 2, "a journal is never applied to another cluster");
  }));

Deno.test("metadata in.yaml out.yaml --report: the original command, comments kept, includes written", () =>
  inScene(["es7", "os2"], "md-yaml", async ({ es7, os2, p, dir }) => {
    for (const name of ["alpha", "beta.1"]) {
      await call(`${es7.url}/${p}${name}`, "PUT", {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
      });
      await addDocuments(es7.url, `${p}${name}`, 2);
    }
    const input = `# Fetch Migration pipeline, as the original tool took it
historical-data-migration:
  source:
    opensearch:
      hosts: ["${es7.url}"]  # the cluster we leave
      disable_authentication: true
      indices:
        exclude:
          - index_name_regex: "\\\\..*"
  sink:
    - opensearch:
        hosts: ["${os2.url}"]
        disable_authentication: true
        # keep ids
        document_id: '\${getMetadata("opensearch-document_id")}'
`;
    await Deno.writeTextFile(`${dir}/in.yaml`, input);
    const run = await runCli(
      ["metadata", "in.yaml", "out.yaml", "--report", "--include", `${p}*`],
      { cwd: dir, env: { XDG_STATE_HOME: `${dir}/state` } },
    );
    assertEquals(run.code, 0, run.stderr);
    assertStringIncludes(
      run.stderr,
      "Indices to be created in the target cluster (data will be migrated):",
    );
    assertStringIncludes(run.stderr, "Total number of documents to be moved: 4");
    const output = await Deno.readTextFile(`${dir}/out.yaml`);
    assertStringIncludes(output, "# Fetch Migration pipeline, as the original tool took it");
    assertStringIncludes(output, "# the cluster we leave");
    assertStringIncludes(output, "# keep ids");
    assertStringIncludes(output, `- index_name_regex: ${p}alpha`);
    assertStringIncludes(output, `- index_name_regex: ${p}beta\\.1`);
    assertStringIncludes(output, "document_id: '${getMetadata(\"opensearch-document_id\")}'");
    assertEquals((await Deno.stat(`${dir}/out.yaml`)).mode! & 0o777, 0o600);
    // The journal went to the state directory, not the working directory.
    const journals = [...Deno.readDirSync(`${dir}/state/fetch-migration`)];
    assertEquals(journals.length, 1);
    assertEquals(
      [...Deno.readDirSync(dir)].some((entry) => entry.name === ".fetch-migration"),
      false,
    );
  }));

Deno.test("a setting the target calls unknown is stripped, the create retried once, and the removal named", () =>
  inScene(["es8", "os2"], "md-reject", async ({ es8, os2, p, dir }) => {
    // No rule knows this ES 8 setting; only os2's own refusal reveals it.
    await call(`${es8.url}/${p}dims`, "PUT", {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        "index.mapping.dimension_fields.limit": 20,
      },
    });
    const run = await runCli([
      "metadata",
      ...endpoints(es8, os2, `${p}*`),
      "--json",
      "--journal",
      `${dir}/j.json`,
    ]);
    assertEquals(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    const rejected = result.transformations.filter((t: { rule: string }) =>
      t.rule === "target-rejected-setting"
    );
    assertEquals(rejected.length, 1);
    assertStringIncludes(rejected[0].detail, "index.mapping.dimension_fields.limit");
    assertStringIncludes(run.stderr, "[target-rejected-setting]");
    assertEquals(rejected[0].subject, `${p}dims`);
    await call(`${os2.url}/${p}dims`, "GET");
  }));
