import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { openSync, closeSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COPIES_DIR } from "../../src/agent/copied-models.js";
import type { HostCommand } from "../../src/agent/host-command.js";
import type { CopyProgress } from "../../src/agent/model-copy.js";
import { cleanupCopiedModels, resolveAgentModel } from "../../src/agent/model-source.js";
import { KittError } from "../../src/errors.js";

let base: string;
let modelDir: string;
let share: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "kitt-model-source-"));
  modelDir = join(base, "models");
  share = join(base, "share");
  mkdirSync(modelDir);
  mkdirSync(share);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function shareFile(relative: string, bytes: number): Buffer {
  const data = randomBytes(bytes);
  mkdirSync(join(share, relative, ".."), { recursive: true });
  writeFileSync(join(share, relative), data);
  return data;
}

async function kittError(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

/** What the model directory holds, bar the copies' bookkeeping. */
function modelDirEntries(): string[] {
  return readdirSync(modelDir, { recursive: true, encoding: "utf8" }).filter((path) => !path.startsWith(COPIES_DIR)).sort();
}

describe("resolving a model on an agent", () => {
  it("finds a model in the model directory without touching the share", async () => {
    writeFileSync(join(modelDir, "local.gguf"), "local");
    const model = await resolveAgentModel("local.gguf", { modelDir, share: { mount: join(base, "no-share") } });
    expect(model).toMatchObject({ relative: "local.gguf", copied: false });
  });

  it("copies a file from the share with progress, verified, and finds the copy the next time", async () => {
    const data = shareFile("org/tiny.gguf", 3 * 1024 * 1024 + 17);
    const progress: CopyProgress[] = [];
    const model = await resolveAgentModel("org/tiny.gguf", { modelDir, share: { mount: share }, onProgress: (p) => progress.push(p) });
    expect(model).toMatchObject({ relative: "org/tiny.gguf", copied: true, path: join(modelDir, "org/tiny.gguf") });
    expect(sha(readFileSync(model.path))).toBe(sha(data));
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toEqual({ bytesDone: data.length, bytesTotal: data.length, file: "" });
    expect(progress.every((p, i) => i === 0 || p.bytesDone > (progress[i - 1] as CopyProgress).bytesDone)).toBe(true);
    expect(modelDirEntries()).toEqual(["org", "org/tiny.gguf"]);
    expect(await resolveAgentModel("org/tiny.gguf", { modelDir, share: { mount: share } })).toMatchObject({ copied: false });
  });

  it("copies a model folder with its subfolders", async () => {
    const weights = shareFile("llama/model.safetensors", 200_000);
    shareFile("llama/config.json", 100);
    shareFile("llama/tokenizer/tokenizer.json", 50);
    const model = await resolveAgentModel("llama/", { modelDir, share: { mount: share } });
    expect(model).toMatchObject({ relative: "llama", copied: true });
    expect(sha(readFileSync(join(modelDir, "llama/model.safetensors")))).toBe(sha(weights));
    expect(modelDirEntries()).toEqual(["llama", "llama/config.json", "llama/model.safetensors", "llama/tokenizer", "llama/tokenizer/tokenizer.json"]);
  });

  it("detects a copy corrupted on disk and does not place it", async () => {
    shareFile("big.gguf", 3 * 1024 * 1024);
    const error = await kittError(
      resolveAgentModel("big.gguf", {
        modelDir,
        share: { mount: share },
        onProgress: ({ bytesDone, bytesTotal }) => {
          if (bytesDone < bytesTotal) return;
          const partial = readdirSync(modelDir).find((name) => name.includes(".kitt-partial-")) as string;
          const fd = openSync(join(modelDir, partial), "r+");
          writeSync(fd, Buffer.from("corrupted"), 0, 9, 0);
          closeSync(fd);
        },
      }),
    );
    expect(error.code).toBe("DOWNLOAD_FAILED");
    expect(error.message).toMatch(/copy of the model file does not match the share.*not placed/);
    expect(modelDirEntries()).toEqual([]);
    expect(await cleanupCopiedModels(modelDir)).toEqual([]);
  });

  it("refuses a file that changed on the share while it was copied", async () => {
    shareFile("growing/model.safetensors", 2 * 1024 * 1024 + 5);
    shareFile("growing/config.json", 10);
    const error = await kittError(
      resolveAgentModel("growing", {
        modelDir,
        share: { mount: share },
        onProgress: ({ file, bytesDone }) => {
          if (file === "model.safetensors" && bytesDone > 1024 * 1024) appendFileSync(join(share, "growing/model.safetensors"), "more");
        },
      }),
    );
    expect(error.code).toBe("DOWNLOAD_FAILED");
    expect(error.message).toContain("model.safetensors changed on the share while it was copied");
    expect(modelDirEntries()).toEqual([]);
  });

  it("checks free space before copying anything", async () => {
    writeFileSync(join(share, "huge.gguf"), "");
    truncateSync(join(share, "huge.gguf"), 2 ** 43); // sparse: 8 TiB listed, nothing stored
    const error = await kittError(resolveAgentModel("huge.gguf", { modelDir, share: { mount: share } }));
    expect(error.code).toBe("STORAGE_FAILED");
    expect(error.message).toMatch(/not enough free space .* it needs 8796\.09 GB/);
    expect(modelDirEntries()).toEqual([]);
  });

  it("copies a model once when two tests ask for it at the same time", async () => {
    const data = shareFile("shared.gguf", 2 * 1024 * 1024);
    const [a, b] = await Promise.all([0, 1].map(() => resolveAgentModel("shared.gguf", { modelDir, share: { mount: share } })));
    expect([a?.copied, b?.copied].sort()).toEqual([false, true]);
    expect(sha(readFileSync(join(modelDir, "shared.gguf")))).toBe(sha(data));
    expect(modelDirEntries()).toEqual(["shared.gguf"]);
  });

  it("stops a copy when asked and leaves nothing behind", async () => {
    shareFile("stopped/model.safetensors", 4 * 1024 * 1024);
    const controller = new AbortController();
    const error = await resolveAgentModel("stopped", {
      modelDir,
      share: { mount: share },
      signal: controller.signal,
      onProgress: ({ bytesDone }) => {
        if (bytesDone >= 1024 * 1024) controller.abort(new Error("stopped by the server"));
      },
    }).then(() => undefined, (caught: unknown) => caught as Error);
    expect(error?.message).toBe("stopped by the server");
    expect(modelDirEntries()).toEqual([]);
    expect(await cleanupCopiedModels(modelDir)).toEqual([]);
  });

  it("removes a copy left half done by a crash before copying again", async () => {
    shareFile("m.gguf", 1000);
    writeFileSync(join(modelDir, ".m.gguf.kitt-partial-deadbeef"), "half");
    writeFileSync(join(modelDir, ".other.gguf.kitt-partial-deadbeef"), "another model's");
    await resolveAgentModel("m.gguf", { modelDir, share: { mount: share } });
    expect(modelDirEntries()).toEqual([".other.gguf.kitt-partial-deadbeef", "m.gguf"]);
  });

  it("says where it looked for a model that is nowhere", async () => {
    const error = await kittError(resolveAgentModel("absent.gguf", { modelDir, share: { mount: share } }));
    expect(error.code).toBe("MODEL_NOT_FOUND");
    expect(error.message).toBe(`no model 'absent.gguf' in the model directory ${modelDir} or the share ${share}`);
    expect((await kittError(resolveAgentModel("absent.gguf", { modelDir }))).code).toBe("MODEL_NOT_FOUND");
  });
});

describe("paths outside the model directory and the share", () => {
  it.each(["../outside.gguf", "/etc/passwd", "a/../../outside.gguf", "", ".", `${COPIES_DIR}/x.json`, ".m.gguf.kitt-partial-1"])("refuses '%s'", async (reference) => {
    writeFileSync(join(base, "outside.gguf"), "secret");
    const error = await kittError(resolveAgentModel(reference, { modelDir, share: { mount: share } }));
    expect(error.code).toBe("USAGE");
    expect(modelDirEntries()).toEqual([]);
  });

  it("refuses a symlink in the model directory that leads outside it", async () => {
    writeFileSync(join(base, "outside.gguf"), "secret");
    symlinkSync(join(base, "outside.gguf"), join(modelDir, "link.gguf"));
    const error = await kittError(resolveAgentModel("link.gguf", { modelDir, share: { mount: share } }));
    expect(error).toMatchObject({ code: "USAGE", message: "model reference 'link.gguf' leads outside the model directory" });
  });

  it("refuses a symlinked folder that would lead a copy outside the model directory", async () => {
    shareFile("elsewhere/m.gguf", 10);
    mkdirSync(join(base, "outside"));
    symlinkSync(join(base, "outside"), join(modelDir, "elsewhere"));
    const error = await kittError(resolveAgentModel("elsewhere/m.gguf", { modelDir, share: { mount: share } }));
    expect(error.code).toBe("USAGE");
    expect(readdirSync(join(base, "outside"))).toEqual([]);
  });

  it("refuses a share symlink, or a file in a model folder, that leads outside the share", async () => {
    writeFileSync(join(base, "outside.gguf"), "secret");
    symlinkSync(join(base, "outside.gguf"), join(share, "link.gguf"));
    const direct = await kittError(resolveAgentModel("link.gguf", { modelDir, share: { mount: share } }));
    expect(direct).toMatchObject({ code: "USAGE", message: "model reference 'link.gguf' leads outside the model share" });
    shareFile("folder/model.safetensors", 10);
    symlinkSync(join(base, "outside.gguf"), join(share, "folder/config.json"));
    const inFolder = await kittError(resolveAgentModel("folder", { modelDir, share: { mount: share } }));
    expect(inFolder).toMatchObject({ code: "USAGE", message: "'config.json' in the model leads outside the model share; not copied" });
    expect(modelDirEntries()).toEqual([]);
  });
});

describe("the NFS share", () => {
  const source = "nfs-server:/export/models";

  function mountInfo(mounted: boolean): string {
    const path = join(base, "mountinfo");
    writeFileSync(path, `22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n${mounted ? `91 22 0:52 / ${share} rw - nfs4 ${source} rw,vers=4.2\n` : ""}`);
    return path;
  }

  function recordingMount(mountInfoPath: string, result: { output: string; failure?: string }): HostCommand & { calls: string[][] } {
    const calls: string[][] = [];
    const run: HostCommand = async (file, args) => {
      calls.push([file, ...args]);
      if (result.failure === undefined) appendFileSync(mountInfoPath, `92 22 0:53 / ${share} rw - nfs4 ${source} rw\n`);
      return { exitCode: result.failure === undefined ? 0 : 32, ...result };
    };
    return Object.assign(run, { calls });
  }

  it("uses a mounted share as it is", async () => {
    shareFile("m.gguf", 10);
    const run = recordingMount(mountInfo(true), { output: "" });
    await resolveAgentModel("m.gguf", { modelDir, share: { mount: share, source, autoMount: true }, mount: { run, mountInfoPath: mountInfo(true) } });
    expect(run.calls).toEqual([]);
  });

  it("says how to mount a share that is not mounted, unless asked to mount it", async () => {
    const error = await kittError(resolveAgentModel("m.gguf", { modelDir, share: { mount: share, source }, mount: { mountInfoPath: mountInfo(false) } }));
    expect(error).toMatchObject({ code: "STORAGE_FAILED", message: `the model share ${source} is not mounted at ${share}: mount it (mount -t nfs ${source} ${share}) or let the agent mount it` });
  });

  it("mounts the share when asked, then copies from it", async () => {
    shareFile("m.gguf", 10);
    const mountInfoPath = mountInfo(false);
    const run = recordingMount(mountInfoPath, { output: "" });
    const model = await resolveAgentModel("m.gguf", { modelDir, share: { mount: share, source, autoMount: true }, mount: { run, mountInfoPath } });
    expect(run.calls).toEqual([["mount", "-t", "nfs", source, share]]);
    expect(model.copied).toBe(true);
  });

  it("reports mount's own words when mounting fails", async () => {
    const mountInfoPath = mountInfo(false);
    const run = recordingMount(mountInfoPath, { output: "mount.nfs: access denied by server while mounting nfs-server:/export/models", failure: "exit code 32" });
    const error = await kittError(resolveAgentModel("m.gguf", { modelDir, share: { mount: share, source, autoMount: true }, mount: { run, mountInfoPath } }));
    expect(error.code).toBe("STORAGE_FAILED");
    expect(error.message).toBe(`cannot mount the model share ${source} at ${share}: mount.nfs: access denied by server while mounting nfs-server:/export/models`);
  });

  it("needs mountinfo to tell whether an NFS share is mounted", async () => {
    const error = await kittError(resolveAgentModel("m.gguf", { modelDir, share: { mount: share, source }, mount: { mountInfoPath: join(base, "absent") } }));
    expect(error.code).toBe("PLATFORM_UNSUPPORTED");
    expect(error.message).toContain(`${join(base, "absent")} cannot be read (ENOENT)`);
  });

  it.each(["-o remount,rw /", "nfs-server", "server:relative", "a b:/x"])("refuses the share source '%s'", async (bad) => {
    const error = await kittError(resolveAgentModel("m.gguf", { modelDir, share: { mount: share, source: bad, autoMount: true } }));
    expect(error.code).toBe("CONFIG_INVALID");
  });
});

describe("cleaning up copied models", () => {
  async function copy(reference: string): Promise<void> {
    await resolveAgentModel(reference, { modelDir, share: { mount: share } });
  }

  it("deletes one copy, then all copies, and never a model it did not copy", async () => {
    shareFile("org/a.gguf", 100);
    shareFile("b/model.safetensors", 200);
    shareFile("b/sub/config.json", 5);
    writeFileSync(join(modelDir, "mine.gguf"), "a person's model");
    await copy("org/a.gguf");
    await copy("b");
    const one = await cleanupCopiedModels(modelDir, "org/a.gguf");
    expect(one).toEqual([{ model: "org/a.gguf", bytes: 100, kept: [] }]);
    expect(modelDirEntries()).toEqual(["b", "b/model.safetensors", "b/sub", "b/sub/config.json", "mine.gguf"]);
    const notCopied = await kittError(cleanupCopiedModels(modelDir, "mine.gguf"));
    expect(notCopied).toMatchObject({ code: "NOT_FOUND", message: "'mine.gguf' is not a model this agent copied; nothing deleted" });
    expect((await kittError(cleanupCopiedModels(modelDir, "../models/mine.gguf"))).code).toBe("USAGE");
    expect(await cleanupCopiedModels(modelDir)).toEqual([{ model: "b", bytes: 205, kept: [] }]);
    expect(modelDirEntries()).toEqual(["mine.gguf"]);
    expect(await cleanupCopiedModels(modelDir)).toEqual([]);
  });

  it("keeps a file a person put where a copy was, and a folder they added to", async () => {
    shareFile("c.gguf", 100);
    shareFile("d/model.safetensors", 100);
    await copy("c.gguf");
    await copy("d");
    rmSync(join(modelDir, "c.gguf"));
    writeFileSync(join(modelDir, "c.gguf"), randomBytes(100));
    writeFileSync(join(modelDir, "d/notes.txt"), "mine");
    const removed = await cleanupCopiedModels(modelDir);
    expect(removed).toEqual(expect.arrayContaining([{ model: "c.gguf", bytes: 0, kept: ["c.gguf"] }, { model: "d", bytes: 100, kept: [] }]));
    expect(modelDirEntries()).toEqual(["c.gguf", "d", "d/notes.txt"]);
    expect(existsSync(join(modelDir, COPIES_DIR))).toBe(true);
    expect(readdirSync(join(modelDir, COPIES_DIR))).toEqual([]);
  });
});
