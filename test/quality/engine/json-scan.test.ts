/** Reading JSON in place: what is found and parsed must be what `JSON.parse` reads, whatever the layout. */
import { describe, expect, it } from "vitest";
import { JsonScanError, JsonScanner } from "../../../src/quality/engine/json-scan.js";

/** The members of the object at the start, each value parsed; arrays read as spans and parsed element by element. */
function read(text: string): Record<string, unknown> {
  const json = new JsonScanner(Buffer.from(text));
  const members: Record<string, unknown> = {};
  const end = json.object(json.start(), (key, at) => {
    if (json.isArray(at)) {
      const { spans, end: arrayEnd } = json.arraySpans(at);
      members[key] = Array.from({ length: spans.length }, (_, i) => spans.parse(i));
      return arrayEnd;
    }
    const { value, end: valueEnd } = json.value(at);
    members[key] = value;
    return valueEnd;
  });
  json.finish(end);
  return members;
}

describe("reading JSON in place", () => {
  it("finds what JSON.parse finds: escapes, brackets inside strings, nesting, non-ASCII, any whitespace", () => {
    const value = {
      tokens: ["\"", "\\", "\\\"", "]", "}", ",", "[{", "é日本😀", "\n\t", ""],
      top: [null, { "\"}": -1.5, "a,b": -2 }, { "[": -0.25 }, [], {}],
      nested: { a: [1, [2, [3]]], "k\"ey": "v" },
      numbers: [0, -0, 1e-7, -2.5e10, 3.0000000000000004],
      flags: [true, false, null],
      empty: [],
    };
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), JSON.stringify(value, null, "\t").replaceAll("\n", "\r\n")]) {
      expect(read(text)).toEqual(JSON.parse(text));
    }
  });

  it("visits every repeated key, in order, as JSON.parse keeps the last", () => {
    const seen: unknown[] = [];
    const json = new JsonScanner(Buffer.from('{"a": 1, "b": [2], "a": {"c": 3}}'));
    json.object(json.start(), (key, at) => {
      if (key !== "a") return undefined;
      const { value, end } = json.value(at);
      seen.push(value);
      return end;
    });
    expect(seen).toEqual([1, { c: 3 }]);
  });

  it("reads an array's elements one by one, skipping the ones not asked for", () => {
    const json = new JsonScanner(Buffer.from('[{"index": 1}, "x", [1, 2], {"index": 0}]'));
    const indexes: unknown[] = [];
    const end = json.elements(json.start(), (at) => {
      if (!json.isObject(at)) return undefined;
      return json.object(at, (key, valueAt) => {
        if (key !== "index") return undefined;
        const { value, end: valueEnd } = json.value(valueAt);
        indexes.push(value);
        return valueEnd;
      });
    });
    json.finish(end);
    expect(indexes).toEqual([1, 0]);
  });

  it.each([
    ["", /empty/],
    ["   ", /empty/],
    ['{"a": [1, 2', /ends inside an array/],
    ['{"a": "open', /ends inside a string/],
    ['{"a": {"b": 1}', /expected ',' or '}'/],
    ['{"a": [1,, 2]}', /element is missing/],
    ['{"a": [, 1]}', /element is missing/],
    ['{"a": [1, ]}', /element is missing/],
    ['{"a": [1}', /expected ',' or '\]'/],
    ['{"a" 1}', /expected ':'/],
    ["{a: 1}", /expected a key/],
    ['{"a": 1} x', /unexpected text after the value/],
    ['{"a": }', /expected a value/],
  ])("refuses malformed JSON: %s", (text, message) => {
    expect(() => read(text)).toThrow(JsonScanError);
    expect(() => read(text)).toThrow(message);
  });

  it("refuses an element that is not JSON when it is parsed", () => {
    const json = new JsonScanner(Buffer.from("[1, nope, 3]"));
    const { spans } = json.arraySpans(json.start());
    expect(spans.parse(0)).toBe(1);
    expect(() => spans.parse(1)).toThrow(JsonScanError);
    expect(() => spans.parse(3)).toThrow(RangeError);
  });
});
