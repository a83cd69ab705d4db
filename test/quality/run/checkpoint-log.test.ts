/** The checkpoint log: one line per finished item, readable after a kill at any byte. */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHECKPOINT_VERSION, CheckpointLog, readCheckpoint, type CheckpointFile } from "../../../src/quality/run/checkpoint.js";
import type { ItemRecord } from "../../../src/quality/run/item-record.js";

const HASH = "0123456789abcdef";

function emptyFile(records: Record<string, ItemRecord> = {}): CheckpointFile {
  return {
    version: CHECKPOINT_VERSION,
    task: "gsm8k",
    hash: HASH,
    identity: { task: "gsm8k", method: "generation", engine: "vllm", model: "m", settings: {}, run: 1, item_count: 3 },
    updated_at: "2026-01-01T00:00:00.000Z",
    complete: false,
    records,
  };
}

const record = (key: string): ItemRecord => ({ key, scores: { acc: 1 }, detail: { answer: key } });

describe("checkpoint log", () => {
  it("has every appended record on disk at once, before close", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "kitt-ckpt-")), "c", "gsm8k.jsonl");
    const log = await CheckpointLog.create(path, emptyFile());
    log.append(record("0"));
    log.append(record("1"));
    // Read while the log is still open, as a resume after `kill -9` would.
    const midway = await readCheckpoint(path, HASH);
    expect(midway?.complete).toBe(false);
    expect(Object.keys(midway?.records ?? {})).toEqual(["0", "1"]);
    log.close(true);
    log.close(true); // idempotent
    const done = await readCheckpoint(path, HASH);
    expect(done?.complete).toBe(true);
    expect(done?.records["1"]).toEqual(record("1"));
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(4);
  });

  it("ignores a torn last line and keeps restored records when rewritten", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "kitt-ckpt-")), "gsm8k.jsonl");
    const log = await CheckpointLog.create(path, emptyFile());
    log.append(record("0"));
    log.close(false);
    appendFileSync(path, '{"record":{"key":"1","sco');
    const torn = await readCheckpoint(path, HASH);
    expect(Object.keys(torn!.records)).toEqual(["0"]);

    const again = await CheckpointLog.create(path, torn!);
    again.append(record("2"));
    again.close(true);
    const after = await readCheckpoint(path, HASH);
    expect(Object.keys(after!.records)).toEqual(["0", "2"]);
    expect(after!.complete).toBe(true);
  });

  it("belongs to one run: another hash, an old format or no file reads as none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kitt-ckpt-"));
    const path = join(dir, "gsm8k.jsonl");
    (await CheckpointLog.create(path, emptyFile({ "0": record("0") }))).close(true);
    expect(await readCheckpoint(path, "ffffffffffffffff")).toBeUndefined();
    expect(await readCheckpoint(join(dir, "missing.jsonl"), HASH)).toBeUndefined();
    writeFileSync(path, `${JSON.stringify({ header: { ...emptyFile(), version: 1 } })}\n`);
    expect(await readCheckpoint(path, HASH)).toBeUndefined();
  });

  it("names the file and line of a corrupt record", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "kitt-ckpt-")), "gsm8k.jsonl");
    (await CheckpointLog.create(path, emptyFile())).close(false);
    appendFileSync(path, "not json\n");
    await expect(readCheckpoint(path, HASH)).rejects.toThrow(`checkpoint ${path} line 2 is not valid JSON; delete the file to start over`);
  });
});
