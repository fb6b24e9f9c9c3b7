/**
 * docs/dashboard.json, the Grafana dashboard for the Prometheus series: every series its queries
 * name is one the engine (run --metrics-port) or sync (sync --metrics-port) serves, and every
 * query names at least one, so a renamed series cannot leave a panel silently empty.
 */
import { assert, assertEquals } from "../assert.ts";
import { metricsText } from "../../src/backfill/metrics-text.ts";
import { syncMetricsText } from "../../src/sync/metrics.ts";

const DASHBOARD = new URL("../../docs/dashboard.json", import.meta.url);

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string }>;
}

/** The series names a scrape of `text` holds. */
function servedNames(text: string): string[] {
  return [...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{| )/gm)].map((match) => match[1]);
}

Deno.test("every series the Grafana dashboard queries is one the engine or sync serves", async () => {
  const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD)) as {
    panels: Panel[];
    __inputs: Array<{ name: string }>;
  };
  const served = new Set([
    ...servedNames(metricsText([{ name: "logs-pipeline", idlePolls: 0 }])),
    ...servedNames(syncMetricsText({
      passes: 0,
      changesTotal: 0,
      deletesTotal: 0,
      lagDocuments: 0,
      lagSeconds: 0,
      indices: 0,
      idsRead: 0,
    })),
  ]);
  const queries = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr }))
  );
  assert(queries.length >= 10, `only ${queries.length} queries`);
  const used = new Set<string>();
  for (const { panel, expr } of queries) {
    // Our own series by name; Data Prepper's, whose names start with the pipeline's, by suffix.
    const named = [...expr.matchAll(/\bfetch_migration_[a-z_]+\b/g)].map((match) => match[0]);
    const suffixes = [...expr.matchAll(/__name__=~"\.\+_([A-Za-z_]+)"/g)].map((match) => match[1]);
    assert(named.length + suffixes.length > 0, `${panel}: no series this test knows in ${expr}`);
    for (const name of named) {
      assert(served.has(name), `${panel}: ${name} is not served`);
      used.add(name);
    }
    for (const suffix of suffixes) {
      const match = [...served].find((name) => name === `logs_pipeline_${suffix}`);
      assert(match, `${panel}: no served series ends with _${suffix}`);
      used.add(match);
    }
  }
  // The panels' data source is the one the import asks for.
  assertEquals(dashboard.__inputs.map((input) => input.name), ["DS_PROMETHEUS"]);
  for (const panel of dashboard.panels.filter((panel) => panel.type !== "row")) {
    assertEquals(panel.datasource?.uid, "${DS_PROMETHEUS}", panel.title);
  }
  // The progress figures a watcher needs most are on it.
  for (
    const name of [
      "fetch_migration_documents_copied",
      "fetch_migration_documents_expected",
      "fetch_migration_dead_letters_total",
      "fetch_migration_sync_lag_operations",
    ]
  ) {
    assert(used.has(name), `the dashboard does not show ${name}`);
  }
});
