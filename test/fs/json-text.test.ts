import { describe, expect, it } from "vitest";
import { jsonText } from "../../src/fs/json-text.js";

describe("jsonText", () => {
  it("indents objects like JSON.stringify(…, 2) but keeps arrays of plain values, and of such arrays, on one line", () => {
    const value = { a: 1, list: [1, 2.5, null], nested: [[0.1, 0.2], []], texts: ["x", "y"], empty: {}, objects: [{ b: true }], none: [] };
    expect(jsonText(value)).toBe(
      [
        "{",
        '  "a": 1,',
        '  "list": [1,2.5,null],',
        '  "nested": [[0.1,0.2],[]],',
        '  "texts": ["x","y"],',
        '  "empty": {},',
        '  "objects": [',
        "    {",
        '      "b": true',
        "    }",
        "  ],",
        '  "none": []',
        "}",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(jsonText(value))).toEqual(value);
  });
});
