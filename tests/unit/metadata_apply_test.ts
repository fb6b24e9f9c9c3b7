/**
 * Creating the plan on a target another process creates the same plan on (`run --part`): a name
 * found taken is asked about, and only what this process created is in its journal.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../assert.ts";
import { ClusterClient, type Query } from "../../src/cluster/client.ts";
import { Journal } from "../../src/journal/journal.ts";
import { applyCreations, ApplyError, isAlreadyExists } from "../../src/metadata/apply.ts";
import type { Creation } from "../../src/metadata/types.ts";

const INDEX_TAKEN = {
  error: {
    type: "resource_already_exists_exception",
    reason: "index [logs/gtWEY4KyR1mYIRHSdc9R8Q] already exists",
  },
  status: 400,
};
const TEMPLATE_TAKEN = {
  error: { type: "illegal_argument_exception", reason: "index template [t] already exists" },
  status: 400,
};

/**
 * A target that answers PUT and DELETE as OpenSearch does: an index PUT on a taken name is 400,
 * a template PUT overwrites unless `create=true`. Records each request.
 */
function fakeTarget(taken: string[]) {
  const real = new ClusterClient({
    url: "http://target.test:9200",
    auth: { kind: "none" },
    tls: {
      insecure: false,
    },
  });
  const existing = new Set(taken);
  const requests: string[] = [];
  const client = {
    url: real.url,
    request: (method: string, path: string, options: { query?: Query } = {}) => {
      const create = options.query?.create === "true";
      requests.push(`${method} ${path}${create ? "?create=true" : ""}`);
      const answer = (status: number, body: unknown) =>
        Promise.resolve({ status, headers: new Headers(), body });
      if (method === "DELETE") {
        return existing.delete(path) ? answer(200, { acknowledged: true }) : answer(404, {});
      }
      const template = path.startsWith("/_");
      if (existing.has(path) && (!template || create)) {
        return answer(400, template ? TEMPLATE_TAKEN : INDEX_TAKEN);
      }
      existing.add(path);
      return answer(200, { acknowledged: true });
    },
    httpError: real.httpError.bind(real),
  } as unknown as ClusterClient;
  return { client, requests, existing };
}

const creations: Creation[] = [
  { kind: "index-template", name: "t", body: { index_patterns: ["logs*"] } },
  { kind: "index", name: "logs", body: { settings: {}, mappings: {}, aliases: {} } },
  { kind: "index", name: "orders", body: { settings: {}, mappings: {}, aliases: {} } },
];

async function journal(): Promise<Journal> {
  const dir = await Deno.makeTempDir();
  return await Journal.create(`${dir}/run.json`, "run-1", "http://target.test:9200");
}

Deno.test("apply: 400 resource_already_exists_exception and template 'already exists' are a taken name; other 400s are not", () => {
  assert(isAlreadyExists(400, INDEX_TAKEN));
  assert(isAlreadyExists(400, TEMPLATE_TAKEN));
  assert(!isAlreadyExists(409, INDEX_TAKEN));
  assert(
    !isAlreadyExists(400, {
      error: { type: "illegal_argument_exception", reason: "unknown setting [index.foo]" },
    }),
  );
  assert(
    !isAlreadyExists(400, {
      error: { type: "mapper_parsing_exception", reason: "already exists" },
    }),
  );
  assert(!isAlreadyExists(400, "already exists"));
});

Deno.test("apply with whenExisting: names another process created, as this one would have, are skipped and not journaled", async () => {
  const target = fakeTarget(["/_index_template/t", "/logs"]);
  const asked: string[] = [];
  const log = await journal();
  const result = await applyCreations(target.client, creations, log, {
    keepOnFailure: true,
    whenExisting: (creation) => {
      asked.push(creation.name);
      return Promise.resolve(undefined);
    },
  });
  assertEquals(asked, ["t", "logs"]);
  assertEquals(result.created, [{ kind: "index", name: "orders" }]);
  assertEquals(result.existing, [
    { kind: "index-template", name: "t" },
    { kind: "index", name: "logs" },
  ]);
  // Templates are created only if missing, so a concurrent creator is seen, not overwritten.
  assertEquals(target.requests, [
    "PUT /_index_template/t?create=true",
    "PUT /logs",
    "PUT /orders",
  ]);
  const saved = JSON.parse(await Deno.readTextFile(log.path));
  assertEquals(
    saved.entries.map((entry: { name: string; status: string }) => [entry.name, entry.status]),
    [["orders", "created"]],
    "the journal holds what this process created, so its rollback deletes only that",
  );
});

Deno.test("apply with whenExisting: a name taken with another definition is an error naming what differs", async () => {
  const target = fakeTarget(["/logs"]);
  const log = await journal();
  const error = await assertRejects(() =>
    applyCreations(target.client, creations, log, {
      keepOnFailure: true,
      whenExisting: () => Promise.resolve("mappings.properties.a.type: long, keyword"),
    })
  );
  assert(error instanceof ApplyError);
  assertStringIncludes(
    error.message,
    "logs exists on the target already, with another definition: mappings.properties.a.type",
  );
  assertEquals(error.rolledBack, false, "kept: another process may be filling the template");
  assert(target.existing.has("/_index_template/t"));
});

Deno.test("apply without whenExisting: a taken index stays an error, and templates are put as before", async () => {
  const target = fakeTarget(["/orders"]);
  const log = await journal();
  const error = await assertRejects(() =>
    applyCreations(target.client, creations, log, { keepOnFailure: false })
  );
  assert(error instanceof ApplyError);
  assertStringIncludes(error.message, "resource_already_exists_exception");
  assertEquals(target.requests.slice(0, 3), ["PUT /_index_template/t", "PUT /logs", "PUT /orders"]);
  // What this run created is rolled back, newest first.
  assertEquals(target.requests.slice(3), ["DELETE /logs", "DELETE /_index_template/t"]);
});
