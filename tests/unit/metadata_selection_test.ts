/** Include/exclude globs and Data Prepper's full-match regexes. */
import { assert, assertEquals } from "../assert.ts";
import {
  fullMatchRegExp,
  globToRegExp,
  isSelected,
  selector,
  unmatchedIncludes,
} from "../../src/metadata/selection.ts";
import { DEFAULT_PLAN_OPTIONS } from "../../src/metadata/plan.ts";

Deno.test("globs: * and ? match whole names; everything else is literal", () => {
  assert(globToRegExp("logs-*").test("logs-2024"));
  assert(globToRegExp("logs-*").test("logs-"));
  assert(!globToRegExp("logs-*").test("old-logs-2024"));
  assert(globToRegExp("a?c").test("abc") && !globToRegExp("a?c").test("ac"));
  assert(globToRegExp("a.c").test("a.c") && !globToRegExp("a.c").test("abc"));
  assert(globToRegExp("a+(b)[1]").test("a+(b)[1]"));
});

Deno.test("regexes are Java full matches, not searches", () => {
  assert(fullMatchRegExp("metrics|logs-.*").test("metrics"));
  assert(fullMatchRegExp("metrics|logs-.*").test("logs-1"));
  assert(!fullMatchRegExp("metrics").test("xmetrics"));
  assert(!fullMatchRegExp("logs-\\d+").test("logs-1a"));
  assert(fullMatchRegExp("my\\-index").test("my-index"), "Java's escaped dash");
  let failed = false;
  try {
    fullMatchRegExp("(unclosed");
  } catch (error) {
    failed = error instanceof Error && error.message.includes("(unclosed");
  }
  assert(failed, "an invalid regex is named");
});

Deno.test("globs of one kind are alternatives; --include narrows a pipeline's regexes; excludes win", () => {
  const take = selector({
    ...DEFAULT_PLAN_OPTIONS,
    include: ["logs-*", "metrics-1"],
    exclude: ["logs-tmp*"],
    excludeRegex: ["logs-2\\d+"],
  });
  assert(take("logs-a"));
  assert(take("metrics-1"));
  assert(!take("metrics-x"));
  assert(!take("logs-tmp1"));
  assert(!take("logs-2024"));
  assert(!take("other"));
  // The pipeline selects logs-* and metrics-*; --include metrics-* keeps only the metrics.
  const narrowed = selector({
    ...DEFAULT_PLAN_OPTIONS,
    include: ["metrics-*"],
    includeRegex: ["logs-.*", "metrics-\\d+"],
  });
  assert(narrowed("metrics-1"));
  assert(!narrowed("logs-a"), "a flag never widens what the pipeline selects");
  assert(!narrowed("metrics-x"));
  assert(isSelected("anything", DEFAULT_PLAN_OPTIONS));
  assert(!isSelected("tmp", { ...DEFAULT_PLAN_OPTIONS, exclude: ["t*"] }));
});

Deno.test("an include that matches nothing is named with the closest index names", () => {
  const names = ["logs-2024", "logs-2025", "metrics-1", "orders"];
  const unmatched = unmatchedIncludes(
    { ...DEFAULT_PLAN_OPTIONS, include: ["logz-*", "orders"], includeRegex: ["metric-\\d"] },
    names,
  );
  assertEquals(unmatched.map(({ pattern }) => pattern), [
    "--include logz-*",
    "index_name_regex: metric-\\d",
  ]);
  assertEquals(unmatched[0].closest.slice(0, 2), ["logs-2024", "logs-2025"]);
  assertEquals(unmatched[1].closest[0], "metrics-1");
});
