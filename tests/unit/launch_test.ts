/**
 * The launch layer's decisions, without clusters: which flags each engine refuses, how several
 * pipelines' failures fold into one exit, where a run's files go, how a stop is asked, and the
 * verify command a run names.
 */
import { assertEquals, assertStringIncludes, assertThrows } from "../assert.ts";
import { BadInputError, FetchMigrationError } from "../../src/errors.ts";
import { checkEngineFlags } from "../../src/launch/engines.ts";
import { type LaunchEvent, type PipelineOutcome, throwFailures } from "../../src/launch/run.ts";
import { RunStop, type StopEvent } from "../../src/launch/stop.ts";
import { runFiles } from "../../src/journal/run-journal.ts";
import { verifyCommand } from "../../src/migrate/checks.ts";
import type { MigrationResult } from "../../src/migrate/run.ts";

const NATIVE = { engine: "native" as const, port: 4900, pipelines: 1, tuneTarget: "none" as const };

Deno.test("checkEngineFlags: each engine refuses the flags of the other, naming the fix", () => {
  checkEngineFlags(NATIVE);
  checkEngineFlags({ ...NATIVE, engine: "dataprepper", home: "/dp", pipelines: 3 });
  const refused = (flags: Parameters<typeof checkEngineFlags>[0], words: string) => {
    const error = assertThrows(() => checkEngineFlags(flags), BadInputError);
    assertStringIncludes(error.message, words);
  };
  refused({ ...NATIVE, engine: "dataprepper" }, "needs the Data Prepper directory");
  // With Data Prepper, --metrics-port serves the status page only: beside Data Prepper's port.
  checkEngineFlags({ ...NATIVE, engine: "dataprepper", home: "/dp", metricsPort: 9 });
  refused(
    { ...NATIVE, engine: "dataprepper", home: "/dp", metricsPort: 4900 },
    "--metrics-port 4900 is Data Prepper's own port",
  );
  refused({ ...NATIVE, engine: "dataprepper", part: { index: 1, count: 2 } }, "--part is for");
  refused({ ...NATIVE, part: { index: 1, count: 2 }, tuneTarget: "all" }, "--tune-target cannot");
  refused({ ...NATIVE, pipelines: 2 }, "--pipelines is for Data Prepper");
});

function failed(name: string, kind: "incomplete" | "refused", message: string): PipelineOutcome {
  const failure = new FetchMigrationError(kind, message, `fix ${name}`);
  return { name, result: { failure } as MigrationResult };
}

Deno.test("throwFailures: nothing when every pipeline did everything", () => {
  throwFailures([{ name: "a", result: {} as MigrationResult }], false, () => {});
});

Deno.test("throwFailures: one pipeline's failure as it is; of several, named after it", () => {
  const alone = assertThrows(
    () => throwFailures([failed("a", "refused", "no")], false, () => {}),
    FetchMigrationError,
  );
  assertEquals([alone.errorKind, alone.message], ["refused", "no"]);
  const named = assertThrows(
    () =>
      throwFailures(
        [{ name: "a", result: {} as MigrationResult }, failed("b", "incomplete", "short")],
        true,
        () => {},
      ),
    FetchMigrationError,
  );
  assertEquals([named.errorKind, named.message, named.hint], [
    "incomplete",
    "pipeline b: short",
    "fix b",
  ]);
});

Deno.test("throwFailures: several failures are each told, then one error names them all", () => {
  const told: LaunchEvent[] = [];
  const error = assertThrows(
    () =>
      throwFailures(
        [failed("a", "refused", "no"), failed("b", "incomplete", "short")],
        true,
        (event) => told.push(event),
      ),
    FetchMigrationError,
  );
  assertEquals(told.map((event) => event.type === "pipeline-failed" && event.pipeline), [
    "a",
    "b",
  ]);
  assertEquals(error.errorKind, "refused");
  assertStringIncludes(error.message, "2 of 2 pipelines did not do everything: a (refused), b");
});

Deno.test("throwFailures: a bug of ours is thrown whole, whichever pipeline it came from", () => {
  const bug = new TypeError("undefined is not a function");
  const thrown = assertThrows(
    () => throwFailures([failed("a", "refused", "no"), { name: "b", error: bug }], true, () => {}),
    TypeError,
  );
  assertEquals(thrown, bug);
});

Deno.test("runFiles: the one place that decides a run's journal and dead-letter file", () => {
  const pair = { sourceUrl: "http://s:9200", targetUrl: "http://t:9200", directory: "/state" };
  const single = runFiles(pair);
  assertEquals(single.deadLetter, single.journal.replace(/\.json$/, ".dead-letter.ndjson"));
  const part = runFiles({ ...pair, part: { index: 2, count: 3 } });
  assertStringIncludes(part.journal, "part-2-of-3");
  const named = runFiles({ ...pair, pipelineName: "logs", part: { index: 2, count: 3 } });
  assertStringIncludes(named.journal, "logs-part-2-of-3");
  assertEquals(
    runFiles({ ...pair, journal: "/j/run.json", deadLetter: "/d/dead.ndjson" }),
    { journal: "/j/run.json", deadLetter: "/d/dead.ndjson" },
  );
  assertEquals(
    runFiles({ ...pair, journal: "/j/run.json", pipelineName: "logs" }),
    { journal: "/j/run.logs.json", deadLetter: "/j/run.logs.dead-letter.ndjson" },
  );
});

Deno.test("verifyCommand: the run's endpoints as the operator gave them, and its selection", () => {
  const urls = { sourceUrl: "http://s:9200", targetUrl: "http://t:9200" };
  const selection = { include: ["logs-*"], exclude: ["x y"], allowRed: true };
  assertEquals(
    verifyCommand({ origin: "flags", ...urls }, selection),
    "fetch-migration verify --checksums --source http://s:9200 --target http://t:9200 " +
      "--include 'logs-*' --exclude 'x y' --allow-red",
  );
  assertEquals(
    verifyCommand({ origin: "p.yaml", pipelineName: "a", ...urls }, { include: [], exclude: [] }),
    "fetch-migration verify --checksums --pipeline p.yaml --pipeline-name a",
  );
  assertEquals(
    verifyCommand({ origin: "INLINE_PIPELINE", ...urls }, { include: [], exclude: [] }),
    "fetch-migration verify --checksums",
  );
});

Deno.test("RunStop: the first stop aborts the copy, a second shutdown changes nothing, a second signal exits at once", () => {
  const told: StopEvent[] = [];
  const exits: number[] = [];
  using stop = new RunStop((event) => told.push(event), (code) => exits.push(code));
  stop.stop("shutdown");
  assertEquals([stop.stopped, stop.signal.aborted], [true, true]);
  stop.stop("shutdown");
  assertEquals(exits, []);
  stop.stop("signal");
  assertEquals(told, [{ type: "stopping", by: "shutdown" }, { type: "stopped-at-once" }]);
  assertEquals(exits, [1]);
});

Deno.test("RunStop: once the copy is over, the next stop ends the wait for it", async () => {
  using stop = new RunStop(() => {}, () => {});
  const over = stop.over();
  stop.stop("signal");
  await over;
  assertEquals(stop.stopped, false);
});
