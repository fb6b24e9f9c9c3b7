/** Include/exclude globs and Data Prepper's full-match regexes. */
import { assert } from "../assert.ts";
import {
  fullMatchRegExp,
  globToRegExp,
  isSelected,
  selector,
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

Deno.test("includes are alternatives, excludes win, no include takes everything", () => {
  const options = {
    ...DEFAULT_PLAN_OPTIONS,
    include: ["logs-*"],
    includeRegex: ["metrics-\\d+"],
    exclude: ["logs-tmp*"],
    excludeRegex: ["logs-2\\d+"],
  };
  const take = selector(options);
  assert(take("logs-a"));
  assert(take("metrics-1"));
  assert(!take("metrics-x"));
  assert(!take("logs-tmp1"));
  assert(!take("logs-2024"));
  assert(!take("other"));
  assert(isSelected("anything", DEFAULT_PLAN_OPTIONS));
  assert(!isSelected("tmp", { ...DEFAULT_PLAN_OPTIONS, exclude: ["t*"] }));
});
