import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { itemsFileName, ITEMS_FILE_PATTERN, readItemsText } from "../../src/results/items-file.js";

describe("per-item outputs of a test result", () => {
  it("are unpacked once per result, for the folder and the database alike", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "kitt-items-")), "mmlu.jsonl.gz");
    writeFileSync(path, gzipSync('{"key":"0"}\n{"key":"1"}\n'));
    const result = { metrics: { outputs_file: path } };
    expect(await readItemsText(result)).toBe('{"key":"0"}\n{"key":"1"}\n');
    rmSync(path);
    expect(await readItemsText(result)).toBe('{"key":"0"}\n{"key":"1"}\n'); // not read again
    expect(await readItemsText({ metrics: { outputs_file: path } })).toBeUndefined(); // another result: gone
    expect(await readItemsText({ metrics: {} })).toBeUndefined();
  });

  it("are named so the test and run can be read back", () => {
    expect(ITEMS_FILE_PATTERN.exec(itemsFileName("truthfulqa_gen", 3))?.slice(1)).toEqual(["truthfulqa_gen", "3"]);
  });
});
