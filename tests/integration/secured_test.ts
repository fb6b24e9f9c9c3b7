/**
 * Production-shaped security on both sides: the secured Elasticsearch 8.19 source reached with an
 * API key limited to the least-privilege role of `sync`, the OpenSearch 2.19.4 target (security
 * plugin) reached with a client certificate alone, mapped to the least-privilege role; and what an
 * operator sees when a key has expired or been invalidated, a certificate comes from another CA,
 * or an encrypted key lacks its passphrase.
 */
import { assertEquals, assertStringIncludes } from "../assert.ts";
import { assertNoStackTrace, inScene, runCli } from "./scene.ts";
import { harnessElasticPassword } from "../harness/nodes.ts";
import { esRole, osRole, SOURCE_COPY, TARGET_COPY, TARGET_SYNC } from "./privileges.ts";
import {
  admin,
  esApiKey,
  harnessPki,
  invalidateApiKey,
  MIGRATOR_CN,
  MIGRATOR_KEY_PASSPHRASE,
  osUser,
  sourceDocuments,
} from "./secured.ts";

Deno.test("secured: run --engine native and sync --final from ES 8.19 (API key of the least-privilege role) to OpenSearch 2.19.4 (client certificate of the least-privilege user), verify --checksums equal", () =>
  inScene(["es8sec", "os2sec"], "sec", async ({ es8sec, os2sec, p, dir, journal }) => {
    const pki = await harnessPki();
    const selected = `${p}*`;
    await sourceDocuments(`${p}a`, 300);
    await sourceDocuments(`${p}b`, 200);
    const key = await esApiKey(`${p}key`, esRole(SOURCE_COPY, selected));
    const role = `${p}role`;
    // The run's set and the passes' deletes: the two commands share the certificate's user.
    const runThenSync = {
      ...TARGET_COPY,
      selected: [...new Set([...TARGET_COPY.selected!, ...TARGET_SYNC.selected!])],
    };
    await osUser(role, osRole(runThenSync, selected), [MIGRATOR_CN]);
    const keyFile = `${dir}/api-key`;
    await Deno.writeTextFile(keyFile, key.encoded, { mode: 0o600 });
    const args = [
      ...["--source", es8sec.url, "--source-api-key-file", keyFile, "--source-ca", pki.ca],
      ...["--target", os2sec.url, "--target-ca", pki.ca],
      ...["--target-client-cert", pki.migrator.cert, "--target-client-key", pki.migrator.key],
      ...["--include", selected],
    ];
    try {
      const copy = await runCli(["run", "--engine", "native", ...args, "--journal", journal]);
      assertEquals(copy.code, 0, copy.stderr);
      assertStringIncludes(copy.stderr, "500 of 500 documents on the target");

      await sourceDocuments(`${p}a`, 25, 300);
      await admin("es8sec", "DELETE", `/${p}b/_doc/d7?refresh=true`);
      const final = await runCli(["sync", "--final", ...args, "--journal", journal]);
      assertEquals(final.code, 0, final.stderr);
      assertStringIncludes(final.stderr, "the target equals the source");

      const verify = await runCli(["verify", "--checksums", ...args]);
      assertEquals(verify.code, 0, verify.stderr);
      assertStringIncludes(verify.stderr, "checksums equal (325 docs)");
      assertStringIncludes(verify.stderr, "checksums equal (199 docs)");
    } finally {
      await invalidateApiKey(key.id).catch(() => {});
      await admin("os2sec", "DELETE", `/_plugins/_security/api/rolesmapping/${role}`)
        .catch(() => {});
      await admin("os2sec", "DELETE", `/_plugins/_security/api/roles/${role}`).catch(() => {});
    }
  }));

Deno.test("secured: an expired or invalidated API key is refused with exit 3, naming the host and the key, with no stack trace", () =>
  inScene(["es8sec", "os2sec"], "seckey", async ({ es8sec, os2sec, p, dir }) => {
    const pki = await harnessPki();
    await sourceDocuments(`${p}a`, 10);
    const role = esRole(SOURCE_COPY, `${p}*`);
    const expired = await esApiKey(`${p}expired`, role, "1s");
    const invalidated = await esApiKey(`${p}invalidated`, role);
    await invalidateApiKey(invalidated.id);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    for (const key of [expired, invalidated]) {
      const plan = await runCli([
        ...["plan", "--source", es8sec.url, "--source-ca", pki.ca, "--include", `${p}*`],
        ...["--target", os2sec.url, "--target-ca", pki.ca],
        ...["--target-client-cert", pki.admin.cert, "--target-client-key", pki.admin.key],
      ], { env: { FETCH_MIGRATION_SOURCE_API_KEY: key.encoded }, cwd: dir });
      assertEquals(plan.code, 3, plan.stderr);
      assertStringIncludes(plan.stderr, "authentication failed (401) at https://127.0.0.1:19218");
      assertStringIncludes(plan.stderr, "with the API key");
      assertStringIncludes(plan.stderr, "hint: check the API key");
      assertEquals(plan.stderr.includes(key.encoded), false, "the key was printed");
      assertNoStackTrace(plan.stderr);
    }
  }));

Deno.test("secured: a client certificate of another CA is refused in the TLS handshake (exit 3, the certificate named); an encrypted key needs its passphrase (exit 2) and works with it", () =>
  inScene(["es8sec", "os2sec"], "seccert", async ({ es8sec, os2sec, p }) => {
    const pki = await harnessPki();
    await sourceDocuments(`${p}a`, 10);
    const role = `${p}role`;
    await osUser(role, osRole(TARGET_COPY, `${p}*`), [MIGRATOR_CN]);
    const plan = (cert: string, key: string, env: Record<string, string> = {}) =>
      runCli([
        ...["plan", "--source", es8sec.url, "--source-ca", pki.ca, "--source-user", "elastic"],
        ...["--target", os2sec.url, "--target-ca", pki.ca, "--include", `${p}*`],
        ...["--target-client-cert", cert, "--target-client-key", key],
      ], { env: { FETCH_MIGRATION_SOURCE_PASSWORD: elastic, ...env } });
    const elastic = await harnessElasticPassword();
    try {
      const stranger = await plan(pki.stranger.cert, pki.stranger.key);
      assertEquals(stranger.code, 3, stranger.stderr);
      assertStringIncludes(stranger.stderr, "127.0.0.1:19312");
      assertStringIncludes(stranger.stderr, `refused the client certificate ${pki.stranger.cert}`);
      assertNoStackTrace(stranger.stderr);

      const locked = await plan(pki.migrator.cert, pki.migratorEncryptedKey);
      assertEquals(locked.code, 2, locked.stderr);
      assertStringIncludes(locked.stderr, "is encrypted");
      assertStringIncludes(locked.stderr, "FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE");
      assertNoStackTrace(locked.stderr);

      const unlocked = await plan(pki.migrator.cert, pki.migratorEncryptedKey, {
        FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE: MIGRATOR_KEY_PASSPHRASE,
      });
      assertEquals(unlocked.code, 0, unlocked.stderr);
      assertStringIncludes(unlocked.stderr, "opensearch 2.19.4 at https://127.0.0.1:19312");
    } finally {
      await admin("os2sec", "DELETE", `/_plugins/_security/api/rolesmapping/${role}`)
        .catch(() => {});
      await admin("os2sec", "DELETE", `/_plugins/_security/api/roles/${role}`).catch(() => {});
    }
  }));
