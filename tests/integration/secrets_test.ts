/**
 * No secret leaks. Every command runs with known passwords, API keys and AWS keys, given in
 * pipeline files, environment variables and secret files; then everything the tool printed or
 * wrote (stdout, stderr, reports, journals, dead letters, metrics, generated files, the Data
 * Prepper stand-in's home and log) and the command lines of the tool and of every child it
 * started are searched for them. The only file allowed to hold one is the pipeline Data Prepper
 * must read, and it must be mode 0600. URLs in messages never carry credentials.
 */
import { assert, assertEquals } from "../assert.ts";
import { dataPrepperHomeForTests } from "../harness/dataprepper.ts";
import {
  addDocuments,
  finished,
  inScene,
  pipelineYaml,
  proxyLogin,
  runCli,
  spawnCli,
} from "./scene.ts";
import {
  admin,
  cleanSecured,
  esApiKey,
  type EsRole,
  harnessPki,
  invalidateApiKey,
  MIGRATOR_CN,
  MIGRATOR_KEY_PASSPHRASE,
  osUser,
  sourceDocuments,
} from "./secured.ts";

/** The status page and its JSON hold no secret, and their endpoints no user info. */
async function assertStatusClean(secrets: Secrets, metrics: string): Promise<void> {
  assertClean(secrets, "the status page", await fetch(`${metrics}/`).then((r) => r.text()));
  const status = await fetch(`${metrics}/status.json`).then((r) => r.text());
  assertClean(secrets, "/status.json", status);
  const { source, target } = JSON.parse(status);
  for (const url of [source.url, target.url]) assert(!url.includes("@"), url);
}

/** Secrets no output may hold, with the forms they travel in (Basic auth's base64). */
class Secrets {
  readonly values: string[] = [];

  add(...values: string[]): void {
    this.values.push(...values);
  }

  /** The secrets `text` holds (raw, or in a Basic header with any user). */
  foundIn(text: string): string[] {
    return this.values.filter((secret) => text.includes(secret));
  }
}

/** Fails naming where a secret was seen. */
function assertClean(secrets: Secrets, where: string, text: string): void {
  const found = secrets.foundIn(text);
  assertEquals(found.length, 0, `${where} holds a secret (${found.length} of them)`);
}

/** Every regular file below `dir`, with its path and mode. */
async function* filesBelow(dir: string): AsyncGenerator<{ path: string; mode: number }> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* filesBelow(path);
    else if (entry.isFile) yield { path, mode: (await Deno.stat(path)).mode! & 0o777 };
  }
}

/**
 * Searches every file below `dirs`. Files in `allowed` may hold a secret, if they are 0600;
 * returns how many files were searched.
 */
async function assertFilesClean(
  secrets: Secrets,
  dirs: string[],
  allowed: (path: string) => boolean = () => false,
): Promise<number> {
  let searched = 0;
  for (const dir of dirs) {
    for await (const { path, mode } of filesBelow(dir)) {
      searched++;
      const text = new TextDecoder().decode(await Deno.readFile(path));
      if (secrets.foundIn(text).length === 0) continue;
      assert(allowed(path), `${path} holds a secret`);
      assertEquals(mode, 0o600, `${path} holds a secret and is mode ${mode.toString(8)}`);
    }
  }
  return searched;
}

/** The pids of `pid`'s descendants, from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid) parents.set(Number(entry.name), ppid);
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

/** The command lines of `pid` and its descendants, read while they run. */
async function commandLines(pid: number): Promise<string[]> {
  const lines: string[] = [];
  for (const each of [pid, ...(await descendants(pid))]) {
    const bytes = await Deno.readFile(`/proc/${each}/cmdline`).catch(() => new Uint8Array());
    lines.push(new TextDecoder().decode(bytes).replaceAll("\0", " "));
  }
  return lines;
}

/** Polls `url` until it answers 2xx with a body that `done` accepts (30 s at most). */
async function waitFor(url: string, done: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = await fetch(url).then((r) => r.ok ? r.text() : "").catch(() => "");
    if (text && done(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} never showed what was waited for`);
}

interface Workspace {
  dir: string;
  state: string;
  env: Record<string, string>;
}

/** The commands' working directory `dir`, with a state directory in it; `env` added. */
async function workspace(dir: string, env: Record<string, string> = {}): Promise<Workspace> {
  const state = `${dir}/state`;
  await Deno.mkdir(state);
  return { dir, state, env: { XDG_STATE_HOME: state, ...env } };
}

/** Runs a command in the workspace; checks its output holds no secret and that it worked. */
async function clean(
  secrets: Secrets,
  space: Workspace,
  args: string[],
  expectedCode = 0,
): Promise<string> {
  const run = await runCli(args, { env: space.env, cwd: space.dir });
  const words = args[0] === "run" && args[1]?.startsWith("/") ? "run <dp>" : args[0];
  assertClean(secrets, `the output of ${words}`, run.stdout + run.stderr);
  assertEquals(run.code, expectedCode, `${args.join(" ")}:\n${run.stderr}`);
  return run.stdout + run.stderr;
}

Deno.test("secrets: API key in the environment, password in a file, URL credentials: no command prints or writes them, nor passes them on a command line", () =>
  inScene(["es7", "proxy"], "secret-flags", async ({ es7, proxy, p, dir }) => {
    const apiKey = `fm-test-api-key-${crypto.randomUUID()}`;
    const secrets = new Secrets();
    secrets.add(proxy.password!, apiKey, btoa(`${proxy.username}:${proxy.password}`));
    const space = await workspace(dir, { FETCH_MIGRATION_SOURCE_API_KEY: apiKey });
    await addDocuments(es7.url, `${p}a`, 300);
    const passwordFile = `${space.dir}/target-password`;
    await Deno.writeTextFile(passwordFile, `${proxy.password}\n`, { mode: 0o600 });
    const journal = `${space.dir}/run.json`;
    const target = [
      "--target",
      proxy.url,
      "--target-user",
      proxy.username!,
      "--target-password-file",
      passwordFile,
      "--target-ca",
      proxy.caPath!,
    ];
    const endpoints = ["--source", es7.url, ...target];
    const selection = ["--include", `${p}*`];
    await clean(secrets, space, ["info", ...endpoints, "--json"]);
    await Deno.writeTextFile(
      `${space.dir}/plan.json`,
      await clean(secrets, space, ["plan", ...endpoints, ...selection, "--json", "-v"]),
    );
    await clean(secrets, space, ["metadata", ...endpoints, ...selection, "--report", "--dryrun"]);

    const metricsPort = 18391;
    const child = spawnCli(
      [
        "run",
        "--engine",
        "native",
        ...endpoints,
        ...selection,
        "--journal",
        journal,
        "--metrics-port",
        String(metricsPort),
      ],
      { stderr: "piped", env: space.env },
    );
    const stderr = finished(child);
    const metrics = `http://127.0.0.1:${metricsPort}`;
    const prometheus = await waitFor(
      `${metrics}/metrics/prometheus`,
      (text) =>
        /fetch_migration_documents_copied\S* 300\.0/.test(text) || /recordsIn\S* 300/.test(text),
    ).catch(async () => await fetch(`${metrics}/metrics/prometheus`).then((r) => r.text()));
    assertClean(secrets, "/metrics/prometheus", prometheus);
    assertClean(
      secrets,
      "/metrics/sys",
      await fetch(`${metrics}/metrics/sys`).then((r) => r.text()),
    );
    assertClean(secrets, "/list", await fetch(`${metrics}/list`).then((r) => r.text()));
    await assertStatusClean(secrets, metrics);
    for (const line of await commandLines(child.pid)) assertClean(secrets, "a command line", line);
    await fetch(`${metrics}/shutdown`, { method: "POST" }).then((r) => r.body?.cancel());
    const ran = await stderr;
    assertClean(secrets, "the output of run", ran.stderr);
    assertEquals(ran.code, 0, ran.stderr);

    await clean(secrets, space, ["verify", ...endpoints, ...selection, "--checksums", "--json"]);
    await clean(secrets, space, ["rollback", "--journal", journal, ...target, "--dryrun"]);

    // Credentials in a URL: taken, and never shown again, in success or in failure.
    const withUser = new URL(proxy.url);
    withUser.username = proxy.username!;
    withUser.password = proxy.password!;
    const urlEndpoints = [
      "--source",
      es7.url,
      "--target",
      withUser.href,
      "--target-ca",
      proxy.caPath!,
    ];
    await clean(secrets, space, ["plan", ...urlEndpoints, ...selection]);
    const unreachable = new URL(withUser.href);
    unreachable.port = "1";
    const failed = await clean(
      secrets,
      space,
      ["plan", "--source", es7.url, "--target", unreachable.href, ...selection],
      3,
    );
    assert(failed.includes("127.0.0.1:1"), "the message names the host it could not reach");
    // A wrong password (also a secret) is not shown either.
    const wrong = `fm-wrong-${crypto.randomUUID()}`;
    secrets.add(wrong);
    await Deno.writeTextFile(passwordFile, wrong, { mode: 0o600 });
    await clean(secrets, space, ["info", ...endpoints], 3);

    await Deno.remove(passwordFile);
    const searched = await assertFilesClean(secrets, [space.dir]);
    console.log(`searched ${searched} files the commands wrote`);
  }));

Deno.test("secrets: AWS keys in the environment (SigV4): no command prints or writes them", () =>
  inScene(["es7", "os2"], "secret-aws", async ({ es7, os2, p, dir }) => {
    const aws = {
      AWS_ACCESS_KEY_ID: "AKIAFMTEST" + crypto.randomUUID().replaceAll("-", "").slice(0, 10)
        .toUpperCase(),
      AWS_SECRET_ACCESS_KEY: `fmTestSecret/${crypto.randomUUID()}`,
      AWS_SESSION_TOKEN: `fmTestToken${crypto.randomUUID()}`,
    };
    const secrets = new Secrets();
    // The key id is not secret (it is in every signed request's header); the key and token are.
    secrets.add(aws.AWS_SECRET_ACCESS_KEY, aws.AWS_SESSION_TOKEN);
    const space = await workspace(dir, aws);
    await addDocuments(es7.url, `${p}a`, 200);
    // The test nodes ignore signatures; what matters is that signing with these keys leaks none.
    const endpoints = [
      "--source",
      es7.url,
      "--source-aws-region",
      "eu-west-1",
      "--target",
      os2.url,
    ];
    const selection = ["--include", `${p}*`];
    const journal = `${space.dir}/run.json`;
    await clean(secrets, space, ["plan", ...endpoints, ...selection, "--json"]);
    await clean(secrets, space, [
      "run",
      "--engine",
      "native",
      ...endpoints,
      ...selection,
      "--journal",
      journal,
    ]);
    await clean(secrets, space, ["verify", ...endpoints, ...selection, "--checksums"]);
    const searched = await assertFilesClean(secrets, [space.dir]);
    console.log(`searched ${searched} files the commands wrote`);
  }));

Deno.test("secrets: a pipeline file with the sink's password: metadata's output and the Data Prepper stand-in's pipeline are 0600 and the only files holding it; no command line, log or message does", () =>
  inScene(["es7", "proxy"], "secret-pipe", async ({ es7, proxy, p, dir }) => {
    const { home, kind } = await dataPrepperHomeForTests();
    console.log(`Data Prepper home: ${kind} (${home})`);
    const secrets = new Secrets();
    secrets.add(proxy.password!, btoa(`${proxy.username}:${proxy.password}`));
    const space = await workspace(dir);
    await addDocuments(es7.url, `${p}a`, 400);
    const pipeline = `${space.dir}/pipeline.yaml`;
    await Deno.writeTextFile(
      pipeline,
      pipelineYaml({
        source: es7,
        regex: `${p}.*`,
        target: proxy,
        sinkSettings: proxyLogin(proxy),
      }),
      { mode: 0o600 },
    );
    const output = `${space.dir}/output.yaml`;
    await clean(secrets, space, ["metadata", pipeline, output, "--report"]);
    assertEquals((await Deno.stat(output)).mode! & 0o777, 0o600, "metadata's output is not 0600");
    await clean(secrets, space, ["plan", "--pipeline", pipeline, "--json"]);

    const port = 4938;
    const child = spawnCli(["run", home, pipeline, String(port), "--poll-interval", "1"], {
      stderr: "piped",
      env: space.env,
    });
    const ended = finished(child);
    await waitFor(`http://127.0.0.1:${port}/list`, () => true);
    const lines = await commandLines(child.pid);
    assert(lines.length > 1, "the Data Prepper stand-in was not seen running");
    for (const line of lines) assertClean(secrets, "a command line", line);
    const dataPrepperPipelines = [...Deno.readDirSync(`${home}/pipelines`)]
      .map((entry) => `${home}/pipelines/${entry.name}`);
    for (const path of dataPrepperPipelines) {
      assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600, `${path} is not 0600`);
    }
    const ran = await ended;
    assertClean(secrets, "the output of run <dp>", ran.stderr);
    assertEquals(ran.code, 0, ran.stderr);
    await clean(secrets, space, ["verify", "--pipeline", pipeline, "--checksums"]);

    const mayHold = (path: string) => path === pipeline || path === output;
    const searched = await assertFilesClean(secrets, [space.dir], mayHold);
    const homeFiles = await assertFilesClean(
      secrets,
      [home],
      (path) => path.startsWith(`${home}/pipelines/`),
    );
    console.log(`searched ${searched} files the commands wrote and ${homeFiles} in the home`);
  }));

Deno.test("secrets: secured nodes: an API key in a file or the environment, an encrypted client key and its passphrase: no command prints or writes them or the decrypted key, nor passes them on a command line", () =>
  inScene(["es8sec", "os2sec"], "secret-sec", async ({ es8sec, os2sec, p, dir, spawn }) => {
    const pki = await harnessPki();
    const apiKeyIds: string[] = [];
    const role = `${p}role`;
    try {
      await sourceDocuments(`${p}a`, 50);
      const reader: EsRole = {
        cluster: ["monitor", "read_pipeline"],
        indices: [{
          names: [`${p}*`],
          privileges: ["view_index_metadata", "monitor", "read", "maintenance"],
        }],
      };
      const apiKey = await esApiKey(`${p}key`, reader);
      apiKeyIds.push(apiKey.id);
      // The certificate's user (its CN) may do everything on the target (the security plugin
      // counts the template actions as cluster actions: cluster_all does not hold them).
      await osUser(role, {
        cluster_permissions: [
          "cluster_all",
          "indices:admin/template/*",
          "indices:admin/index_template/*",
        ],
        index_permissions: [{ index_patterns: ["*"], allowed_actions: ["indices_all"] }],
      }, [MIGRATOR_CN]);

      // The API key travels encoded (`id:key` in base64); its key part alone is a secret too.
      const keyPart = (encoded: string) => atob(encoded).slice(atob(encoded).indexOf(":") + 1);
      // The tool decrypts the encrypted key in memory: a line of the plain key's body must
      // never show up anywhere.
      const plainKeyLine = (await Deno.readTextFile(pki.migrator.key)).split("\n")[1];
      assert(plainKeyLine.length >= 60, `no base64 line in ${pki.migrator.key}`);
      const secrets = new Secrets();
      secrets.add(apiKey.encoded, keyPart(apiKey.encoded), MIGRATOR_KEY_PASSPHRASE, plainKeyLine);

      const space = await workspace(dir, {
        FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE: MIGRATOR_KEY_PASSPHRASE,
      });
      const apiKeyFile = `${space.dir}/source-api-key`;
      await Deno.writeTextFile(apiKeyFile, `${apiKey.encoded}\n`, { mode: 0o600 });
      const source = ["--source", es8sec.url, "--source-ca", es8sec.caPath!];
      const target = [
        "--target",
        os2sec.url,
        "--target-ca",
        os2sec.caPath!,
        "--target-client-cert",
        pki.migrator.cert,
        "--target-client-key",
        pki.migratorEncryptedKey,
      ];
      const endpoints = [...source, "--source-api-key-file", apiKeyFile, ...target];
      const selection = ["--include", `${p}*`];
      const journal = `${space.dir}/run.json`;

      const plan = await clean(secrets, space, ["plan", ...endpoints, ...selection, "--json"]);
      assert(plan.includes(`${p}a`), `the plan does not name ${p}a:\n${plan}`);
      // Verbose logs every request: never its Authorization header.
      const verbose = await clean(secrets, space, ["plan", ...endpoints, ...selection, "-v"]);
      assert(verbose.includes(es8sec.url), `-v logged no request to the source:\n${verbose}`);
      assert(!/authorization:|ApiKey \S/i.test(verbose), "-v printed an Authorization header");

      const metricsPort = 18393;
      const child = spawn(
        [
          "run",
          "--engine",
          "native",
          ...endpoints,
          ...selection,
          "--journal",
          journal,
          "--metrics-port",
          String(metricsPort),
        ],
        { stderr: "piped", env: space.env },
      );
      const ended = finished(child);
      const metrics = `http://127.0.0.1:${metricsPort}`;
      const prometheus = await waitFor(
        `${metrics}/metrics/prometheus`,
        (text) =>
          /fetch_migration_documents_copied\S* 50\.0/.test(text) || /recordsIn\S* 50\b/.test(text),
      );
      assertClean(secrets, "/metrics/prometheus", prometheus);
      assertClean(secrets, "/list", await fetch(`${metrics}/list`).then((r) => r.text()));
      await assertStatusClean(secrets, metrics);
      for (const line of await commandLines(child.pid)) {
        assertClean(secrets, "a command line", line);
      }
      await fetch(`${metrics}/shutdown`, { method: "POST" }).then((r) => r.body?.cancel());
      const ran = await ended;
      assertClean(secrets, "the output of run", ran.stderr);
      assertEquals(ran.code, 0, ran.stderr);

      // The API key from the environment this time.
      const fromEnv = {
        ...space,
        env: { ...space.env, FETCH_MIGRATION_SOURCE_API_KEY: apiKey.encoded },
      };
      await clean(secrets, fromEnv, ["verify", ...source, ...target, ...selection, "--checksums"]);

      // Failures name what failed, never the secret: a wrong passphrase (a bad input, exit 2)...
      const wrong = `fm-wrong-${crypto.randomUUID()}`;
      secrets.add(wrong);
      const wrongPassphrase = {
        ...space,
        env: { ...space.env, FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE: wrong },
      };
      const refused = await clean(
        secrets,
        wrongPassphrase,
        ["plan", ...endpoints, ...selection],
        2,
      );
      assert(
        refused.includes("FETCH_MIGRATION_TARGET_CLIENT_KEY_PASSPHRASE"),
        `the refusal does not name the passphrase's variable:\n${refused}`,
      );
      // ... and an invalidated API key (the source refuses it, exit 3).
      const revoked = await esApiKey(`${p}key2`, reader);
      apiKeyIds.push(revoked.id);
      secrets.add(revoked.encoded, keyPart(revoked.encoded));
      await invalidateApiKey(revoked.id);
      await Deno.writeTextFile(apiKeyFile, revoked.encoded, { mode: 0o600 });
      const unauthorized = await clean(secrets, space, ["plan", ...endpoints, ...selection], 3);
      assert(
        unauthorized.includes("127.0.0.1:19218") || unauthorized.includes(es8sec.url),
        `the failure does not name the source:\n${unauthorized}`,
      );

      await Deno.remove(apiKeyFile);
      const searched = await assertFilesClean(secrets, [space.dir]);
      console.log(`searched ${searched} files the commands wrote`);
    } finally {
      for (const id of apiKeyIds) await invalidateApiKey(id).catch(() => {});
      await admin("os2sec", "DELETE", `/_plugins/_security/api/rolesmapping/${role}`)
        .catch(() => {});
      await admin("os2sec", "DELETE", `/_plugins/_security/api/roles/${role}`).catch(() => {});
      await cleanSecured(p);
    }
  }));
