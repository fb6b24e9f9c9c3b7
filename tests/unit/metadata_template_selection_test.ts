/** Templates follow the index selection: which migrate under --templates matching|all|none, and why. */
import { assert, assertEquals, assertMatch } from "../assert.ts";
import { buildPlan, DEFAULT_PLAN_OPTIONS } from "../../src/metadata/plan.ts";
import { globCovers, globsIntersect } from "../../src/metadata/template-selection.ts";
import type { PlanOptions, TemplateMetadata } from "../../src/metadata/types.ts";
import { ES7, es7Index, OS2, snapshot } from "./metadata_fixtures.ts";

const TEMPLATES: TemplateMetadata[] = [
  { name: "logs-base", kind: "component", body: { template: { settings: {} } } },
  { name: "metrics-base", kind: "component", body: { template: { settings: {} } } },
  {
    name: "logs",
    kind: "index",
    body: { index_patterns: ["logs-*"], composed_of: ["logs-base"] },
  },
  {
    name: "metrics",
    kind: "index",
    body: { index_patterns: ["metrics-*"], composed_of: ["metrics-base"] },
  },
  { name: "future-logs", kind: "legacy", body: { index_patterns: ["logs-2031*"], order: 1 } },
  { name: "web", kind: "legacy", body: { template: "web-*", order: 0 } },
];

function planFor(options: Partial<PlanOptions>) {
  const source = snapshot("http://es7:9200", ES7, [
    es7Index("logs-2030", { documents: 5 }),
    es7Index("metrics-2030", { documents: 5 }),
    es7Index("web-1", { documents: 5 }),
  ], TEMPLATES);
  const target = snapshot("http://os2:9200", OS2, []);
  return buildPlan(source, target, { ...DEFAULT_PLAN_OPTIONS, ...options });
}

function reasonOf(plan: ReturnType<typeof planFor>, name: string): string {
  return plan.template_selection.decisions.find((decision) => decision.name === name)!.reason;
}

Deno.test("--include one index: only the templates that can shape it, and the components they compose", () => {
  const plan = planFor({ include: ["logs-2030"] });
  assertEquals(plan.templates.index.create, ["logs"]);
  assertEquals(plan.templates.index.excluded, ["metrics"]);
  assertEquals(plan.templates.component.create, ["logs-base"]);
  assertEquals(plan.templates.component.excluded, ["metrics-base"]);
  assertEquals(plan.templates.legacy.create, []);
  assertEquals(plan.templates.legacy.excluded, ["future-logs", "web"]);
  assertMatch(reasonOf(plan, "logs"), /pattern logs-\* matches selected index logs-2030/);
  assertMatch(reasonOf(plan, "metrics"), /patterns \(metrics-\*\) match no selected index/);
  assertMatch(reasonOf(plan, "logs-base"), /composed by index template logs/);
  assertEquals(plan.creations.map((c) => c.name), ["logs-base", "logs", "logs-2030"]);
});

Deno.test("an include glob takes the templates of indices it will select later (logs-* and logs-2031*)", () => {
  const plan = planFor({ include: ["logs-*"] });
  assertEquals(plan.templates.legacy.create, ["future-logs"]);
  assertMatch(reasonOf(plan, "future-logs"), /can match names --include logs-\* selects/);
});

Deno.test("no selection takes every template; an exclude that covers a template's pattern leaves it out", () => {
  const all = planFor({});
  assertEquals(all.templates.index.create, ["logs", "metrics"]);
  assertEquals(all.templates.legacy.create, ["future-logs", "web"]);
  const some = planFor({ exclude: ["web-*"] });
  assertEquals(some.templates.legacy.excluded, ["web"]);
  assertEquals(some.templates.index.create, ["logs", "metrics"]);
});

Deno.test("--templates all and none override the selection, and say so", () => {
  const all = planFor({ include: ["logs-2030"], templates: "all" });
  assertEquals(all.templates.index.create, ["logs", "metrics"]);
  assertEquals(all.templates.component.create, ["logs-base", "metrics-base"]);
  const none = planFor({ templates: "none" });
  assertEquals(none.templates.index.create, []);
  assertEquals(none.templates.component.create, []);
  assertEquals(reasonOf(none, "logs"), "--templates none");
  assertEquals(none.template_selection.mode, "none");
});

Deno.test("a pipeline's index_name_regex selects templates through the indices it selects", () => {
  const plan = planFor({ includeRegex: ["web-.*"] });
  assertEquals(plan.templates.legacy.create, ["web"]);
  assertEquals(plan.templates.index.create, []);
});

Deno.test("globsIntersect and globCovers", () => {
  assert(globsIntersect("logs-*", "logs-2031*"));
  assert(globsIntersect("*-prod", "logs-*"));
  assert(!globsIntersect("logs-*", "metrics-*"));
  assert(globsIntersect("a?c", "abc"));
  assert(!globsIntersect("a?c", "abcd"));
  assert(globCovers("tmp-*", "tmp-a*"));
  assert(globCovers("tmp-*", "tmp-*"));
  assert(!globCovers("tmp-a*", "tmp-*"));
  assert(!globCovers("tmp-?", "tmp-*"));
  assert(!globCovers("t*x", "t*"));
});
