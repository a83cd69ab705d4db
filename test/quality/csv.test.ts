import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/quality/data/csv.js";

describe("parseCsv", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, keeping \\r\\n inside quotes", () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","line1\r\nline2"\nplain,,last\n';
    expect(parseCsv(text, "t.csv")).toEqual([
      ["a", "b", "c"],
      ["x, y", 'say "hi"', "line1\r\nline2"],
      ["plain", "", "last"],
    ]);
  });

  it("keeps a final record without a newline, skips blank lines, and treats mid-field quotes as text", () => {
    expect(parseCsv('a,b\n\n5 "in",x', "t.csv")).toEqual([
      ["a", "b"],
      ['5 "in"', "x"],
    ]);
    expect(parseCsv('"",""\n', "t.csv")).toEqual([["", ""]]);
  });

  it("joins the pieces of a field around doubled quotes and after a closing quote, as Python's reader does", () => {
    expect(parseCsv('"""a""",b\n""""\n"a"b"c,d\n"q"""\n', "t.csv")).toEqual([['"a"', "b"], ['"'], ['ab"c', "d"], ['q"']]);
    // A lone \r is text; \r\n ends the record, inside quotes it is kept.
    expect(parseCsv('x\ry,"1\r\n2"\r\nz', "t.csv")).toEqual([["x\ry", "1\r\n2"], ["z"]]);
  });

  it("reports an unclosed quote", () => {
    expect(() => parseCsv('a\n"open,\n', "bad.csv")).toThrow(/bad\.csv: the quoted field opened on line 2 is never closed/);
  });
});
