/** Counts with the right noun form, and columns measured as a terminal shows them. */
import { assertEquals } from "../assert.ts";
import { displayWidth, formatColumns, noun, padDisplay, plural, pluralOf } from "../../src/text.ts";

Deno.test("plural: one is singular, zero and many are plural, index becomes indices", () => {
  assertEquals(plural(1, "document"), "1 document");
  assertEquals(plural(2, "document"), "2 documents");
  assertEquals(plural(0, "document"), "0 documents");
  assertEquals(plural(1, "index"), "1 index");
  assertEquals(plural(3, "index"), "3 indices");
  assertEquals(plural(0, "index"), "0 indices");
  assertEquals(plural(2, "difference"), "2 differences");
  assertEquals(plural(2, "creation"), "2 creations");
  assertEquals(plural(4, "entry"), "4 entries");
  assertEquals(plural(2, "match"), "2 matches");
  assertEquals(plural(2, "day"), "2 days");
  assertEquals(plural(2, "person", "people"), "2 people");
  assertEquals(plural(1, "person", "people"), "1 person");
  assertEquals(pluralOf("index template"), "index templates");
  assertEquals(plural(2, "system index"), "2 system indices");
  assertEquals(`1,500 ${noun(1500, "doc")}`, "1,500 docs");
  assertEquals(noun(1, "index"), "index");
});

Deno.test("displayWidth: CJK characters take two columns, ASCII one", () => {
  assertEquals(displayWidth("logs"), 4);
  assertEquals(displayWidth("索引-テスト"), 11);
  // What String.length (and so padEnd) counts instead: why tables misaligned.
  assertEquals("索引-テスト".length, 6);
  assertEquals(displayWidth(""), 0);
  // A combining accent takes no column of its own.
  assertEquals(displayWidth("e\u0301"), 1);
});

Deno.test("padDisplay pads to display columns, left or right, and never cuts", () => {
  assertEquals(padDisplay("索引", 6), "索引  ");
  assertEquals(padDisplay("ab", 6), "ab    ");
  assertEquals(padDisplay("12", 5, "right"), "   12");
  assertEquals(padDisplay("索引-テスト", 4), "索引-テスト");
});

Deno.test("formatColumns lines up CJK and ASCII names in the same columns", () => {
  const lines = formatColumns(
    [["index", "docs", "note"], ["索引-テスト", "5", "x"], ["plain", "1,234", ""]],
    new Set([1]),
  );
  assertEquals(lines, [
    "index         docs  note",
    "索引-テスト      5  x",
    "plain        1,234",
  ]);
  assertEquals(formatColumns([]), []);
});
