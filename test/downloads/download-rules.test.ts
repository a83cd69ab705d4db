/** The downloader's rules on their own: remote paths, globs, URIs, digests and confined destinations. */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { confinedPath } from "../../src/downloads/confined-path.js";
import { digestCheck } from "../../src/downloads/digest-check.js";
import { pathFilter } from "../../src/downloads/glob.js";
import { parseModelUri } from "../../src/downloads/model-uri.js";
import { checkRemotePaths, unsafePathReason } from "../../src/downloads/safe-paths.js";
import type { Digest } from "../../src/downloads/source.js";

const work = mkdtempSync(join(tmpdir(), "kitt-download-rules-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("remote paths", () => {
  it.each([
    ["../model.bin", 'a ".." segment'],
    ["a/../../b", 'a ".." segment'],
    ["/etc/passwd", "absolute"],
    ["a//b", "an empty segment"],
    ["a/", "an empty segment"],
    ["", "empty"],
    ["a\\..\\b", "a backslash"],
    ["C:/x", "a drive letter"],
    ["./a", 'a "." segment'],
    ["a\0b", "NUL"],
    [".kitt-download.json", "kitt keeps its own record"],
  ])("refuses %j", (path, reason) => {
    expect(unsafePathReason(path)).toContain(reason);
  });

  it("accepts plain relative paths, dots inside names included", () => {
    for (const path of ["model.safetensors", "onnx/model.onnx", "..hidden", "a/b..c/d"]) expect(unsafePathReason(path)).toBeUndefined();
  });

  it("refuses a path that is both a file and a folder, or listed twice", () => {
    expect(() => checkRemotePaths(["a", "a/b"], "s3://b/p")).toThrow(expect.objectContaining({ code: "UNSAFE_PATH" }));
    expect(() => checkRemotePaths(["a/b", "a"], "s3://b/p")).toThrow(expect.objectContaining({ code: "UNSAFE_PATH" }));
    expect(() => checkRemotePaths(["x", "x"], "s3://b/p")).toThrow(expect.objectContaining({ code: "UNSAFE_PATH" }));
    expect(() => checkRemotePaths(["a/b", "a/c", "d"], "s3://b/p")).not.toThrow();
  });
});

describe("globs", () => {
  const pick = (include: string[], exclude: string[] = []) =>
    ["model.safetensors", "sub/model-00001.safetensors", "onnx/model.onnx", "onnx/deep/x.onnx", "config.json", "a.bin"].filter(pathFilter(include, exclude));

  it("matches names in any folder without a slash, whole paths with one", () => {
    expect(pick(["*.safetensors"])).toEqual(["model.safetensors", "sub/model-00001.safetensors"]);
    expect(pick(["onnx/*"])).toEqual(["onnx/model.onnx"]);
    expect(pick(["onnx/**"])).toEqual(["onnx/model.onnx", "onnx/deep/x.onnx"]);
    expect(pick(["**/*.onnx"])).toEqual(["onnx/model.onnx", "onnx/deep/x.onnx"]);
    expect(pick(["*.{json,bin}"])).toEqual(["config.json", "a.bin"]);
    expect(pick(["model-0000[0-9].safetensors", "?.bin"])).toEqual(["sub/model-00001.safetensors", "a.bin"]);
    expect(pick([], ["*.onnx", "config.*"])).toEqual(["model.safetensors", "sub/model-00001.safetensors", "a.bin"]);
  });

  it("rejects a malformed pattern as a usage error", () => {
    expect(() => pathFilter(["[abc"])).toThrow(expect.objectContaining({ code: "USAGE" }));
  });
});

describe("URIs", () => {
  it("knows each scheme, bare Hub repos and local paths", () => {
    expect(parseModelUri("s3://bucket/models/llama")).toEqual({ scheme: "s3", location: "bucket/models/llama" });
    expect(parseModelUri("OBS://bucket")).toEqual({ scheme: "obs", location: "bucket" });
    expect(parseModelUri("pvc://models/qwen")).toEqual({ scheme: "pvc", location: "models/qwen" });
    expect(parseModelUri("hf://Qwen/Qwen2.5-0.5B")).toEqual({ scheme: "hf", location: "Qwen/Qwen2.5-0.5B" });
    expect(parseModelUri("Qwen/Qwen2.5-0.5B")).toEqual({ scheme: "hf", location: "Qwen/Qwen2.5-0.5B" });
    expect(parseModelUri("Qwen/Qwen2.5-0.5B@refs/pr/1")).toEqual({ scheme: "hf", location: "Qwen/Qwen2.5-0.5B@refs/pr/1" });
    expect(parseModelUri("./Qwen/Qwen2.5-0.5B")).toEqual({ scheme: "file", location: "./Qwen/Qwen2.5-0.5B" });
    expect(parseModelUri("/mnt/models")).toEqual({ scheme: "file", location: "/mnt/models" });
  });

  it("refuses what it does not know with a usage error", () => {
    for (const uri of ["ftp://x/y", "s3://", "models/a/b", "gs://bucket", "org/repo@"]) expect(() => parseModelUri(uri)).toThrow(expect.objectContaining({ code: "USAGE" }));
  });
});

describe("digests", () => {
  const bytes = randomBytes(11 * 1024 * 1024 + 3);
  const verify = (digest: Digest, data: Buffer = bytes): string | undefined => {
    const check = digestCheck(digest, data.byteLength);
    for (let offset = 0; offset < data.byteLength; offset += 777_777) check.update(data.subarray(offset, offset + 777_777));
    return check.mismatch();
  };
  const hash = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest("hex");
  const partsEtag = (partSize: number) => {
    const parts = [];
    for (let start = 0; start < bytes.byteLength; start += partSize) parts.push(createHash("md5").update(bytes.subarray(start, start + partSize)).digest());
    return `${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-${parts.length}`;
  };

  it("checks sha256, git blob sha1 and single-part ETags", () => {
    expect(verify({ algorithm: "sha256", hex: hash("sha256", bytes) })).toBeUndefined();
    expect(verify({ algorithm: "sha256", hex: hash("sha256", "other") })).toMatch(/^sha256 [0-9a-f]{64}, expected/);
    const small = Buffer.from("hello\n");
    expect(verify({ algorithm: "git-blob-sha1", hex: "ce013625030ba8dba906f756967f9e9ca394464a" }, small)).toBeUndefined(); // `git hash-object` of "hello\n"
    expect(verify({ algorithm: "s3-etag", etag: `"${hash("md5", bytes)}"` })).toBeUndefined();
  });

  it("checks a multipart ETag with the upload's part size, or the usual ones when it is unknown", () => {
    const etag = partsEtag(8 * 1024 * 1024);
    expect(verify({ algorithm: "s3-etag", etag, partSize: 8 * 1024 * 1024 })).toBeUndefined();
    expect(verify({ algorithm: "s3-etag", etag })).toBeUndefined();
    expect(verify({ algorithm: "s3-etag", etag, partSize: 5 * 1024 * 1024 })).toMatch(/expected/);
    expect(verify({ algorithm: "s3-etag", etag: partsEtag(3 * 1024 * 1024 + 1) })).toMatch(/no usual part size|expected/);
  });
});

describe("destinations under a root", () => {
  const root = join(work, "models");
  mkdirSync(join(root, "inside"), { recursive: true });
  mkdirSync(join(work, "elsewhere"));
  symlinkSync(join(work, "elsewhere"), join(root, "link-out"));

  it("keeps a destination under the root", async () => {
    await expect(confinedPath(root, "qwen")).resolves.toBe(join(root, "qwen"));
    await expect(confinedPath(root, "inside/a/b")).resolves.toBe(join(root, "inside", "a", "b"));
  });

  it.each(["..", "../x", "/etc", "a/../../x", ".", "link-out/model"])("refuses %j", async (dest) => {
    await expect(confinedPath(root, dest)).rejects.toMatchObject({ code: "UNSAFE_PATH" });
  });
});
