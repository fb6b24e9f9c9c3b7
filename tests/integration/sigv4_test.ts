/**
 * AWS SigV4, checked by another signer. The test nodes ignore signatures, so here every request
 * goes through `tests/harness/sigv4_check.py`, which recomputes its signature with botocore (the
 * AWS SDK for Python's signer) for fixed credentials, refuses a mismatch as AWS does (403) and
 * forwards the rest: es7 behind service `es` in eu-west-1, os2 behind `aoss` in us-east-1 (with
 * the payload hash OpenSearch Serverless requires). `plan`, `run`, `verify` and `sync --final`
 * must pass with every request they log accepted and none refused; a wrong secret must be
 * refused and said so: exit 3, the host named, no stack trace, no secret.
 *
 * Its indices start with `sigv4-` and are deleted from both nodes at the end.
 */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  SIGV4_TEST_CREDENTIALS,
  type SigV4Check,
  type SigV4CheckName,
  type SigV4Stats,
  startSigV4Checks,
} from "../harness/sigv4.ts";
import {
  addDocuments,
  assertNoStackTrace,
  bulk,
  cleanUp,
  type CliRun,
  inScene,
  refreshedCount,
  runCli,
} from "./scene.ts";

type Checks = Record<SigV4CheckName, SigV4Check>;

/** `sigv4-<run>-`: this run's indices, on both nodes. */
function sigv4Prefix(): string {
  return `sigv4-${Date.now().toString(36)}-`;
}

/** The es endpoint as the source and the aoss one as the target, each signed for its own. */
function signedEndpoints(checks: Checks, include: string): string[] {
  const { es, aoss } = checks;
  return [
    ...["--source", es.url, "--source-aws-region", es.region, "--source-aws-service", es.service],
    ...["--target", aoss.url, "--target-aws-region", aoss.region],
    ...["--target-aws-service", aoss.service, "--include", include],
  ];
}

/** Both endpoints' counts now. */
async function statsOf(checks: Checks): Promise<Record<SigV4CheckName, SigV4Stats>> {
  const [es, aoss] = await Promise.all([checks.es.stats(), checks.aoss.stats()]);
  return { es, aoss };
}

/** A request line of `-v`: `"GET" "http://127.0.0.1:19481/_cat/indices?..." -> 200`. */
const LOGGED_REQUEST = /"[A-Z]+" "(https?:\/\/[^"/]+)[^"]*" (?:->|answered) \d{3}/g;

/** Every request a `-v` run logged (one line per answer), counted by origin. */
function loggedRequests(stderr: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [, origin] of stderr.matchAll(LOGGED_REQUEST)) {
    counts.set(origin, (counts.get(origin) ?? 0) + 1);
  }
  return counts;
}

/** Fails when the secret key or the session token is in `text`. */
function assertNoSecret(text: string, what: string): void {
  for (const secret of [SIGV4_TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY, "fmWrongSecret"]) {
    assert(!text.includes(secret), `${what} holds an AWS secret key`);
  }
  assert(!text.includes(SIGV4_TEST_CREDENTIALS.AWS_SESSION_TOKEN), `${what} holds the token`);
}

/**
 * Runs `args` with `-v` and the test credentials; asserts it exited 0, that every request it
 * logged went to an endpoint (none straight to a node), and that each endpoint accepted exactly
 * those and refused none.
 */
async function throughChecks(checks: Checks, args: string[]): Promise<CliRun> {
  const before = await statsOf(checks);
  const run = await runCli([...args, "-v"], { env: { ...SIGV4_TEST_CREDENTIALS } });
  const after = await statsOf(checks);
  const what = args[0];
  assertEquals(run.code, 0, `${what} through the SigV4 checks:\n${run.stderr.slice(-3000)}`);
  assertNoStackTrace(run.stderr);
  assertNoSecret(run.stdout + run.stderr, `the output of ${what}`);
  const logged = loggedRequests(run.stderr);
  const endpoints = Object.values(checks).map((check) => check.url);
  for (const origin of logged.keys()) {
    assert(endpoints.includes(origin), `${what} sent requests to ${origin}, past the checks`);
  }
  for (const check of Object.values(checks)) {
    const refused = after[check.name].refused - before[check.name].refused;
    const accepted = after[check.name].accepted - before[check.name].accepted;
    assertEquals(
      refused,
      0,
      `${what}: ${check.name} refused ${refused}:\n${after[check.name].last_refusals.join("\n")}`,
    );
    assert(accepted > 0, `${what}: nothing went through ${check.name}`);
    assertEquals(
      accepted,
      logged.get(check.url) ?? 0,
      `${what}: ${check.name} accepted ${accepted} requests, the run logged ${
        logged.get(check.url) ?? 0
      }`,
    );
  }
  return run;
}

Deno.test("sigv4: plan, run, verify --checksums and sync --final pass botocore's check of every request (es source, aoss target)", () =>
  inScene(["es7", "os2"], "sigv4", async ({ es7, os2, dir }) => {
    const checks = await startSigV4Checks();
    const prefix = sigv4Prefix();
    try {
      await addDocuments(es7.url, `${prefix}logs`, 300);
      await addDocuments(es7.url, `${prefix}users`, 120);
      const endpoints = signedEndpoints(checks, `${prefix}*`);
      const journal = `${dir}/run.json`;

      const plan = await throughChecks(checks, ["plan", ...endpoints, "--json"]);
      assertEquals(JSON.parse(plan.stdout).indices.create.length, 2, plan.stdout.slice(0, 2000));
      await throughChecks(checks, [
        "run",
        "--engine",
        "native",
        ...endpoints,
        "--journal",
        journal,
      ]);
      await throughChecks(checks, ["verify", ...endpoints, "--checksums"]);

      // Changes for sync's pass: 30 new documents, one updated, one deleted.
      const added = Array.from(
        { length: 30 },
        (_, i) => `{"index":{"_id":"new${i}"}}\n{"n":${i}}\n`,
      );
      const changes = [
        ...added,
        `{"index":{"_id":"d1"}}\n{"title":"updated"}\n`,
        `{"delete":{"_id":"d2"}}\n`,
      ];
      await bulk(`${es7.url}/${prefix}logs`, changes.join(""));
      const sync = await throughChecks(checks, [
        "sync",
        ...endpoints,
        "--journal",
        journal,
        "--final",
      ]);
      assertMatch(sync.stderr, /the target equals the source/);
      assertEquals(await refreshedCount(os2.url, `${prefix}logs`), 300 + 30 - 1);
      assertEquals(await refreshedCount(os2.url, `${prefix}users`), 120);
    } finally {
      await cleanUp([es7.url, os2.url], prefix);
    }
  }));

Deno.test("sigv4: a wrong secret key is refused by the check, and the CLI says so (exit 3, host named, no stack trace, no secret)", () =>
  inScene(["es7", "os2"], "sigv4-wrong", async ({ es7, os2 }) => {
    const checks = await startSigV4Checks();
    const prefix = sigv4Prefix();
    try {
      await addDocuments(es7.url, `${prefix}logs`, 10);
      const before = await statsOf(checks);
      const run = await runCli(["plan", ...signedEndpoints(checks, `${prefix}*`)], {
        env: { ...SIGV4_TEST_CREDENTIALS, AWS_SECRET_ACCESS_KEY: "fmWrongSecret/0123456789+abc" },
      });
      const after = await statsOf(checks);
      assertEquals(run.code, 3, `expected exit 3:\n${run.stderr}`);
      const hosts = [checks.es, checks.aoss].map((check) => `127.0.0.1:${check.port}`);
      assert(hosts.some((host) => run.stderr.includes(host)), `no host named:\n${run.stderr}`);
      // The reason AWS gives (the signature does not match), not "accepted but lacks privilege".
      assertMatch(run.stderr, /signature/i, `the refused signature is not said:\n${run.stderr}`);
      assert(!/credentials were accepted/.test(run.stderr), `said accepted:\n${run.stderr}`);
      assertNoStackTrace(run.stderr);
      assertNoSecret(run.stdout + run.stderr, "the output of plan");
      const refused = after.es.refused - before.es.refused + after.aoss.refused -
        before.aoss.refused;
      const accepted = after.es.accepted - before.es.accepted + after.aoss.accepted -
        before.aoss.accepted;
      assert(refused > 0, "the check refused nothing");
      assertEquals(accepted, 0, "the check accepted a request signed with the wrong secret");
    } finally {
      await cleanUp([es7.url, os2.url], prefix);
    }
  }));
