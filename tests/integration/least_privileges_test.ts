/**
 * Least privileges, proved on the secured pair: each command runs as users holding exactly the
 * set the README's table gives (an Elasticsearch 8.19 user on the source, an OpenSearch security
 * plugin user on the target) and must succeed; then again without one privilege of the set, and
 * must stop with exit 3 naming the host, the user, the action refused and what to grant, with no
 * stack trace, and without having changed anything the refused step would have guarded.
 * The table itself is the README's: a test renders it from the sets below and compares.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import {
  assertNoStackTrace,
  type CliRun,
  inScene,
  type NodeHandle,
  pipelineYaml,
  runCli,
} from "./scene.ts";
import { dataPrepperHomeForTests } from "../harness/dataprepper.ts";
import { harnessElasticPassword, harnessPki } from "../harness/nodes.ts";
import {
  esRole,
  type Grants,
  LEAST_PRIVILEGES,
  osRole,
  renderTable,
  type Row,
  withoutPrivilege,
} from "./privileges.ts";
import {
  admin,
  esUser,
  osUser,
  sourceDocuments,
  strongPassword,
  targetIndices,
} from "./secured.ts";

Deno.test("least privileges: the README's table is the one the tests below prove", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  // `deno fmt` pads the cells and wraps the lines: compared cell by cell, word by word.
  const cells = (text: string) =>
    text.split("\n").map((line) =>
      line.split("|").map((cell) => cell.trim().replace(/^-+$/, "---")).join("|")
    ).join("\n").replace(/\s+/g, " ");
  assertStringIncludes(cells(readme), cells(renderTable(LEAST_PRIVILEGES)));
});

for (const row of LEAST_PRIVILEGES) {
  Deno.test(`least privileges: ${row.command} works with exactly its set, and stops naming what to grant without ${row.without.privilege} (${row.without.side})`, () =>
    inScene(["es8sec", "os2sec"], "lp", async ({ es8sec, os2sec, p, dir }) => {
      const selected = `${p}*`;
      const password = strongPassword();
      const [sourceUser, targetUser] = [`${p}src`, `${p}tgt`];
      await sourceDocuments(`${p}a`, 120);
      await sourceDocuments(`${p}b`, 80);
      await admin("es8sec", "PUT", `/_index_template/${p}template`, {
        index_patterns: [`${p}templated-*`],
        template: { settings: { number_of_shards: 1 } },
      });
      const journal = `${dir}/journal.json`;
      const args = row.dataPrepper
        ? await dataPrepperArgs(row, { es8sec, os2sec, p, dir, password })
        : [
          ...row.args,
          ...(row.command === "rollback" ? [] : ["--source", es8sec.url, "--include", selected]),
          ...(row.command === "rollback" ? [] : ["--source-user", sourceUser]),
          ...(row.command === "rollback" ? [] : ["--source-ca", es8sec.caPath!]),
          ...["--target", os2sec.url, "--target-user", targetUser, "--target-ca", os2sec.caPath!],
          ...(["plan", "verify --checksums"].includes(row.command) ? [] : ["--journal", journal]),
        ];
      const env = {
        FETCH_MIGRATION_SOURCE_PASSWORD: password,
        FETCH_MIGRATION_TARGET_PASSWORD: password,
      };
      const grant = async (source?: Grants, target?: Grants) => {
        await esUser(sourceUser, password, esRole(source, selected));
        await osUser(targetUser, osRole(target, selected), [targetUser], password);
      };
      try {
        await prepare(row, { es8sec: es8sec.url, os2sec: os2sec.url, selected, journal, env });
        await grant(row.source, row.target);
        const allowed = await runCli(args, { env, cwd: dir });
        assertEquals(allowed.code, 0, `${row.command} with its set:\n${allowed.stderr}`);

        await resetFor(row, { selected, journal, env, es8sec: es8sec.url, os2sec: os2sec.url });
        const [source, target] = row.without.side === "source"
          ? [withoutPrivilege(row.source!, row.without.privilege), row.target]
          : [row.source, withoutPrivilege(row.target!, row.without.privilege)];
        await grant(source, target);
        const beforeRefusal = await targetIndices(selected);
        const refused = await runCli(args, { env, cwd: dir });
        assertRefusal(refused, row, row.without.side === "source" ? sourceUser : targetUser);
        await assertNothingChanged(selected, beforeRefusal);
      } finally {
        await removeUsers(sourceUser, targetUser);
        await admin("es8sec", "PUT", `/${selected}/_settings`, {
          "index.blocks.write": null,
        }).catch(() => {});
      }
    }));
}

Deno.test("least privileges: a target user that may create but not write: the copy stops at the first bulk, naming the permission, with no dead letter; rollback then undoes it", () =>
  inScene(["es8sec", "os2sec"], "lpw", async ({ es8sec, os2sec, p, dir }) => {
    const selected = `${p}*`;
    const password = strongPassword();
    const [sourceUser, targetUser] = [`${p}src`, `${p}tgt`];
    await sourceDocuments(`${p}a`, 60);
    const journal = `${dir}/journal.json`;
    const env = {
      FETCH_MIGRATION_SOURCE_PASSWORD: password,
      FETCH_MIGRATION_TARGET_PASSWORD: password,
    };
    const run = LEAST_PRIVILEGES.find((row) => row.command === "run --engine native")!;
    const rollback = LEAST_PRIVILEGES.find((row) => row.command === "rollback")!;
    try {
      await esUser(sourceUser, password, esRole(run.source, selected));
      const noWrites = withoutPrivilege(run.target!, "indices:data/write/index");
      await osUser(targetUser, osRole(noWrites, selected), [targetUser], password);
      const target = ["--target", os2sec.url, "--target-user", targetUser];
      const copy = await runCli([
        ...["run", "--engine", "native", "--include", selected, "--journal", journal],
        ...["--source", es8sec.url, "--source-user", sourceUser, "--source-ca", es8sec.caPath!],
        ...target,
        ...["--target-ca", os2sec.caPath!],
      ], { env, cwd: dir });
      assertEquals(copy.code, 1, copy.stderr);
      assertStringIncludes(copy.stderr, `the target ${os2sec.url} refuses writes to ${p}a (403)`);
      assertStringIncludes(copy.stderr, "allow indices:data/write/index");
      assertNoStackTrace(copy.stderr);
      const deadLetters = [...Deno.readDirSync(dir)].filter((e) => e.name.includes("dead-letter"));
      assertEquals(deadLetters.map((e) => Deno.statSync(`${dir}/${e.name}`).size), [
        ...deadLetters.map(() => 0),
      ], "no document was dead-lettered");

      await osUser(targetUser, osRole(rollback.target, selected), [targetUser], password);
      const undo = await runCli([
        ...["rollback", "--yes", "--journal", journal, ...target, "--target-ca", os2sec.caPath!],
      ], { env, cwd: dir });
      assertEquals(undo.code, 0, undo.stderr);
      assertEquals(await targetIndices(selected), []);
    } finally {
      await removeUsers(sourceUser, targetUser);
    }
  }));

/**
 * The original form: the Data Prepper home (the stand-in here, a real one with
 * `FM_DATA_PREPPER_HOME`) and a pipeline naming both users, their password and the CA.
 */
async function dataPrepperArgs(
  row: Row,
  { es8sec, os2sec, p, dir, password }: {
    es8sec: NodeHandle;
    os2sec: NodeHandle;
    p: string;
    dir: string;
    password: string;
  },
): Promise<string[]> {
  const { home, kind } = await dataPrepperHomeForTests();
  console.log(`${row.command}: Data Prepper home: ${kind}`);
  const login = (user: string, ca: string) => ({
    username: user,
    password: JSON.stringify(password),
    cert: ca,
  });
  await Deno.writeTextFile(
    `${dir}/pipeline.yaml`,
    pipelineYaml({
      source: es8sec,
      target: os2sec,
      regex: `${p}.*`,
      sourceSettings: login(`${p}src`, es8sec.caPath!),
      sinkSettings: login(`${p}tgt`, os2sec.caPath!),
    }),
    { mode: 0o600 },
  );
  return [
    ...["run", home, `${dir}/pipeline.yaml`, "4941", "--poll-interval", "1"],
    ...["--journal", `${dir}/journal.json`],
  ];
}

/** Deletes a test's source user and role, and its target user, role and mapping. */
async function removeUsers(sourceUser: string, targetUser: string): Promise<void> {
  for (const kind of ["rolesmapping", "roles", "internalusers"]) {
    await admin("os2sec", "DELETE", `/_plugins/_security/api/${kind}/${targetUser}`)
      .catch(() => {});
  }
  await admin("es8sec", "DELETE", `/_security/user/${sourceUser}`).catch(() => {});
  await admin("es8sec", "DELETE", `/_security/role/${sourceUser}`).catch(() => {});
}

interface Setting {
  es8sec: string;
  os2sec: string;
  selected: string;
  journal: string;
  env: Record<string, string>;
}

/** What a command needs before it: a copy to verify or roll back (made as the administrator). */
async function prepare(row: Row, setting: Setting): Promise<void> {
  if (row.command !== "verify --checksums" && row.command !== "rollback") return;
  const pki = await harnessPki();
  // As the harness's administrators: `elastic`, and OpenSearch's admin certificate.
  const copy = await runCli([
    ...["run", "--engine", "native", "--include", setting.selected, "--journal", setting.journal],
    ...["--source", setting.es8sec, "--source-user", "elastic", "--source-ca", pki.ca],
    ...["--target", setting.os2sec, "--target-ca", pki.ca],
    ...["--target-client-cert", pki.admin.cert, "--target-client-key", pki.admin.key],
  ], { env: { FETCH_MIGRATION_SOURCE_PASSWORD: await harnessElasticPassword() } });
  assertEquals(copy.code, 0, `the copy before ${row.command}:\n${copy.stderr}`);
}

/** Between the two runs: what the first run made is undone, so the second starts alike. */
async function resetFor(row: Row, setting: Setting): Promise<void> {
  if (row.command === "rollback") {
    await Deno.remove(setting.journal).catch(() => {});
    await Deno.remove(`${setting.journal}.lock`).catch(() => {});
    await prepare(row, setting);
    return;
  }
  await admin("os2sec", "DELETE", `/${setting.selected}?expand_wildcards=all`).catch(() => {});
  await admin("es8sec", "PUT", `/${setting.selected}/_settings`, { "index.blocks.write": null })
    .catch(() => {});
  await Deno.remove(setting.journal).catch(() => {});
  await Deno.remove(`${setting.journal}.lock`).catch(() => {});
}

/**
 * Exit 3, the host, the user, the action or privilege, and no stack trace: from the check made
 * before anything changes, or from the cluster's refusal of the first request needing it.
 */
function assertRefusal(run: CliRun, row: Row, user: string): void {
  const port = row.without.side === "source" ? "19218" : "19312";
  assertEquals(run.code, 3, `${row.command} without ${row.without.privilege}:\n${run.stderr}`);
  assertStringIncludes(run.stderr, `https://127.0.0.1:${port}`);
  assertStringIncludes(run.stderr, user);
  for (const name of row.without.names) assertStringIncludes(run.stderr, name);
  assertStringIncludes(run.stderr, "hint: ");
  assertNoStackTrace(run.stderr);
}

/** Nothing changed: the target's indices are as before, and the source was not frozen. */
async function assertNothingChanged(selected: string, before: string[]): Promise<void> {
  assertEquals(await targetIndices(selected), before, "the target's indices changed");
  const settings = await admin("es8sec", "GET", `/${selected}/_settings/index.blocks.write`);
  assertEquals(JSON.stringify(settings).includes('"true"'), false, "the source was frozen");
}
