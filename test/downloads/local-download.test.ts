/** `pvc://` and plain-path downloads from a folder, the destination rules and the one-download-per-folder lock. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadTree } from "../../src/downloads/download-tree.js";
import { fileSource } from "../../src/downloads/local-source.js";
import { downloadModel } from "../../src/downloads/model-download.js";
import type { DownloadSource } from "../../src/downloads/source.js";
import { runKitt } from "../support/cli.js";

const MiB = 1024 * 1024;
let work: string;
let volume: string;
const weights = randomBytes(5 * 1024 * 1024 + 17);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "kitt-local-download-"));
  volume = join(work, "volume", "qwen");
  mkdirSync(join(volume, "tokenizer"), { recursive: true });
  writeFileSync(join(volume, "model.safetensors"), weights);
  writeFileSync(join(volume, "config.json"), "{}");
  writeFileSync(join(volume, "tokenizer", "tokenizer.json"), '{"model":{}}');
  mkdirSync(join(work, "blobs"));
  writeFileSync(join(work, "blobs", "readme"), "linked, as in a Hugging Face cache");
  symlinkSync(join(work, "blobs", "readme"), join(volume, "README.md"));
  symlinkSync(volume, join(volume, "tokenizer", "loop")); // a link back up is not followed forever
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("downloads from a volume", () => {
  it("copies a folder from pvc:// in ranged parts, links followed", async () => {
    const dest = join(work, "models", "qwen");
    const progress: number[] = [];
    const result = await downloadModel(`pvc://${volume}`, dest, { partSize: 1024 * 1024, concurrency: 3, onProgress: (p) => progress.push(p.bytesDone) });
    expect(result).toMatchObject({ files: 4, bytes: weights.byteLength + 2 + 12 + 34, alreadyComplete: false });
    expect(readFileSync(join(dest, "model.safetensors")).equals(weights)).toBe(true);
    expect(readFileSync(join(dest, "README.md"), "utf8")).toBe("linked, as in a Hugging Face cache");
    expect(readdirSync(join(dest, "tokenizer"))).toEqual(["tokenizer.json"]);
    expect(progress.at(-1)).toBe(result.bytes);
    expect(readdirSync(join(work, "models"))).toEqual(["qwen"]);
  });

  it("copies a plain path with include and exclude globs through the CLI", async () => {
    const dest = join(work, "models", "qwen-json");
    const { code, stderr } = await runKitt(["models", "download", volume, "-o", dest, "--include", "*.json", "--exclude", "tokenizer/**"]);
    expect(code, stderr).toBe(0);
    expect(readdirSync(dest).sort()).toEqual([".kitt-download.json", "config.json"]);
    expect(stderr).toMatch(/✓ 1 file \(2 B\) from .* verified in/);
  });

  it("copies a single file", async () => {
    const dest = join(work, "models", "single");
    await downloadModel(join(volume, "config.json"), dest);
    expect(readdirSync(dest).sort()).toEqual([".kitt-download.json", "config.json"]);
  });

  it("refuses a destination that holds something else, and a missing source", async () => {
    const taken = join(work, "models", "taken");
    mkdirSync(taken, { recursive: true });
    writeFileSync(join(taken, "mine.txt"), "keep me");
    await expect(downloadModel(volume, taken)).rejects.toMatchObject({ code: "USAGE", message: expect.stringContaining("already exists and is not a download of these files") });
    expect(readdirSync(taken)).toEqual(["mine.txt"]);
    const { code, stderr } = await runKitt(["models", "download", "pvc://no/such/volume", "-o", join(work, "models", "none")]);
    expect(code).toBe(17);
    expect(stderr.trim()).toBe("kitt: error: pvc://no/such/volume: no such file or folder");
  });

  it("runs one download per destination: a second one waits for the lock, then finds it complete", async () => {
    const dest = join(work, "models", "twice");
    const [first, second] = await Promise.all([
      downloadModel(volume, dest, { partSize: 256 * 1024, concurrency: 1 }),
      downloadModel(volume, dest, { partSize: 256 * 1024, concurrency: 1 }),
    ]);
    expect([first.alreadyComplete, second.alreadyComplete].sort()).toEqual([false, true]);
    expect(readFileSync(join(dest, "model.safetensors")).equals(weights)).toBe(true);
  });

  it("stops on abort, leaves nothing at the destination, and resumes from what it had", async () => {
    const dest = join(work, "models", "aborted");
    const stop = new AbortController();
    const volumeSource = fileSource(volume, { env: {} });
    // Stops the download as it asks for the model's bytes past 2 MiB.
    const stopping: DownloadSource = {
      ...volumeSource,
      read: (file, start, end, signal) => {
        if (file.path === "model.safetensors" && start >= 2 * MiB) stop.abort(new Error("stopped by the test"));
        return volumeSource.read(file, start, end, signal);
      },
    };
    await expect(downloadTree(stopping, dest, { partSize: 64 * 1024, concurrency: 1, signal: stop.signal })).rejects.toThrow("stopped by the test");
    expect(existsSync(dest)).toBe(false);
    const resumed = await downloadModel(volume, dest, { partSize: 64 * 1024 });
    expect(resumed.bytesFetched).toBe(weights.byteLength - 2 * MiB + "{\"model\":{}}".length);
    expect(readFileSync(join(dest, "model.safetensors")).equals(weights)).toBe(true);
  });
});
