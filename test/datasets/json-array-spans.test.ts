import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lineAt, readJsonElement, scanJsonArray } from "../../src/datasets/json-array-spans.js";
import { KittError } from "../../src/errors.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kitt-json-spans-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function elements(path: string, chunkBytes?: number): Promise<unknown[]> {
  const spans = await scanJsonArray(path, chunkBytes);
  const file = await open(path, "r");
  try {
    return await Promise.all(spans.map((span) => readJsonElement(file, path, span)));
  } finally {
    await file.close();
  }
}

async function failure(path: string): Promise<KittError> {
  const error = await scanJsonArray(path).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

describe("scanJsonArray", () => {
  it("finds every element, whatever brackets, quotes and escapes their strings hold", async () => {
    const values = [
      { a: "] } [ {", b: 'say "hi" \\ bye \\', c: [1, [2, { d: "\\\"" }]] },
      "a string element with ] and \\\" inside",
      42,
      -1.5e3,
      true,
      null,
      [],
      {},
      { unicode: "日本語 🦙 — ümlaut" },
    ];
    const path = await fileWith("mixed.json", `\n [ ${values.map((value) => JSON.stringify(value, null, 2)).join(" ,\n")} ] \n`);
    expect(await elements(path)).toEqual(values);
  });

  it("gives the same elements whatever the read size, so nothing breaks where reads split strings and escapes", async () => {
    const values = [{ a: 'x\\"]}', b: ["\\", "\"", "[{"] }, "s\\", 7, { c: "日本 🦙" }];
    const path = await fileWith("split.json", `[${values.map((value) => JSON.stringify(value)).join(",\n")}]`);
    for (let chunkBytes = 1; chunkBytes <= 24; chunkBytes++) expect(await elements(path, chunkBytes)).toEqual(values);
  });

  it("skips a byte-order mark, even one split across reads", async () => {
    const path = await fileWith("bom.json", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a": 1}]')]));
    for (const chunkBytes of [1, 2, 3, 4, 1 << 20]) expect(await elements(path, chunkBytes)).toEqual([{ a: 1 }]);
  });

  it("accepts an empty array", async () => {
    expect(await scanJsonArray(await fileWith("empty.json", " [ \n ] "))).toEqual([]);
  });

  it("names the file and line of what is wrong", async () => {
    const notArray = await failure(await fileWith("object.json", '\n\n{"a": 1}'));
    expect(notArray.code).toBe("CONFIG_INVALID");
    expect(notArray.message).toMatch(/object\.json:3: expected a JSON array/);
    expect((await failure(await fileWith("nothing.json", "  \n"))).message).toMatch(/empty file/);
    expect((await failure(await fileWith("cut.json", '[\n{"a": "b"},\n{"c": '))).message).toMatch(/cut\.json:3: the JSON array is cut off/);
    expect((await failure(await fileWith("after.json", "[1, 2]\n]"))).message).toMatch(/after\.json:2: unexpected text after the end/);
    expect((await failure(await fileWith("missing-comma.json", '[\n{"a": 1}\n{"b": 2}]'))).message).toMatch(/missing-comma\.json:3: expected ','/);
    expect((await failure(await fileWith("double-comma.json", "[1,\n,2]"))).message).toMatch(/double-comma\.json:2: unexpected ','/);
  });

  it("reports a missing file as not found", async () => {
    const error = await failure(join(dir, "absent.json"));
    expect(error.code).toBe("NOT_FOUND");
  });

  it("names the line of an element that does not parse", async () => {
    const path = await fileWith("bad-element.json", '[\n{"a": 1},\n{"b": tru}\n]');
    const spans = await scanJsonArray(path);
    const file = await open(path, "r");
    try {
      await expect(readJsonElement(file, path, spans[1] as { start: number; end: number })).rejects.toThrow(/bad-element\.json:3: /);
    } finally {
      await file.close();
    }
    expect(await lineAt(path, 0)).toBe(1);
  });
});
