/** The checker of docs/json.md's rules catches each kind of break. */
import { assertEquals } from "../assert.ts";
import { vocabularyProblems } from "../integration/vocabulary.ts";

Deno.test("the JSON vocabulary checker names every rule a document breaks, and no data key", () => {
  assertEquals(
    vocabularyProblems({
      status: "completed",
      dryrun: true,
      target: "http://x:9200",
      indices: 3,
      docs_per_second: 661.5391,
      counts: [{ index: "a", source: 1, target: 2 }],
      fooBar: 1,
      per_index: { "Weird-Name": { copied: 1 } },
    }, "t"),
    [
      't.status: "completed" is not one of succeeded, failed, interrupted, dry_run',
      "t.target: an endpoint is an object with a url",
      "t.dryrun: the key is dry_run",
      "t.indices: a number of indices is index_count",
      "t.docs_per_second: 661.5391 is not rounded to one decimal",
      "t.counts[0]: per-index counts are source_count and target_count",
      "t.fooBar: not snake_case",
    ],
  );
  assertEquals(
    vocabularyProblems({
      status: "succeeded",
      source: { url: "http://a:9200" },
      index_count: 3,
      docs_per_second: 661.5,
      per_index: { "Weird-Name": 1 },
    }, "t"),
    [],
  );
});
