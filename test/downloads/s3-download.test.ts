/**
 * Downloads from a real S3 server (s3rver, with Signature V4 checked and S3's multipart ETags):
 * parallel ranges and ETag verification, OBS, refused credentials, a key escaping the
 * destination, corrupted bytes, globs and the free-space check.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadModel } from "../../src/downloads/model-download.js";
import { runKitt } from "../support/cli.js";
import { freePort } from "../support/llama.js";
import { startS3Server, type S3Request, type S3TestServer } from "../support/s3-server.js";

const MiB = 1024 * 1024;
let s3: S3TestServer;
let work: string;
const weights = randomBytes(13 * MiB);
let weightsEtag: string;

beforeAll(async () => {
  s3 = await startS3Server();
  work = mkdtempSync(join(tmpdir(), "kitt-s3-download-"));
  weightsEtag = await s3.putMultipart("llama/model.safetensors", weights, 5 * MiB);
  await s3.putObject("llama/config.json", Buffer.from('{"architectures":["LlamaForCausalLM"]}'));
  await s3.putObject("llama/onnx/model.onnx", randomBytes(4096));
  await s3.putObject("llama-2/other.bin", Buffer.from("not part of llama/"));
});

afterAll(async () => {
  await s3?.[Symbol.asyncDispose]();
  rmSync(work, { recursive: true, force: true });
});

function objectReads(since: number, key: string): S3Request[] {
  return s3.requests.slice(since).filter((request) => request.method === "GET" && request.path === `/${s3.bucket}/${key}`);
}

function maxOverlap(requests: S3Request[]): number {
  return Math.max(...requests.map((request) => requests.filter((other) => other.started < request.ended && other.ended > request.started).length));
}

describe("s3:// downloads", () => {
  it("fetches a multipart object in parallel ranges and verifies its md5-of-md5s ETag", async () => {
    expect(weightsEtag).toMatch(/^[0-9a-f]{32}-3$/);
    const since = s3.requests.length;
    const dest = join(work, "llama");
    const result = await downloadModel(`s3://${s3.bucket}/llama`, dest, { env: s3.env, partSize: 2 * MiB, concurrency: 4 });

    expect(result).toMatchObject({ files: 3, bytesFetched: weights.byteLength + 4096 + 38, alreadyComplete: false });
    expect(readFileSync(join(dest, "model.safetensors")).equals(weights)).toBe(true);
    expect(readdirSync(dest).sort()).toEqual([".kitt-download.json", "config.json", "model.safetensors", "onnx"]);
    const reads = objectReads(since, "llama/model.safetensors");
    const ranges = reads.map((request) => request.range).sort((a, b) => Number(/=(\d+)/.exec(a!)![1]) - Number(/=(\d+)/.exec(b!)![1]));
    expect(ranges).toEqual(Array.from({ length: 7 }, (_, i) => `bytes=${i * 2 * MiB}-${Math.min((i + 1) * 2 * MiB, weights.byteLength) - 1}`));
    expect(maxOverlap(reads)).toBeGreaterThan(1);
    // The upload's part size came from HEAD ?partNumber=1, as on S3.
    expect(s3.requests.slice(since).some((request) => request.method === "HEAD" && request.partNumber === "1")).toBe(true);
    // Nothing is left beside the destination.
    expect(readdirSync(work)).toEqual(["llama"]);
  });

  it("finds a finished download complete without fetching it again", async () => {
    const since = s3.requests.length;
    const result = await downloadModel(`s3://${s3.bucket}/llama`, join(work, "llama"), { env: s3.env });
    expect(result.alreadyComplete).toBe(true);
    expect(objectReads(since, "llama/model.safetensors")).toHaveLength(0);
  });

  it("downloads obs:// from the same server, with include and exclude globs", async () => {
    const dest = join(work, "obs-copy");
    const result = await downloadModel(`obs://${s3.bucket}/llama/`, dest, { env: s3.env, include: ["*.json", "onnx/**"], exclude: ["*.onnx"] });
    expect(result.source).toBe(`obs://${s3.bucket}/llama/`);
    expect(readdirSync(dest).sort()).toEqual([".kitt-download.json", "config.json"]);
    await expect(downloadModel(`obs://${s3.bucket}/llama`, join(work, "obs-none"), { env: s3.env, include: ["*.gguf"] })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses a wrong secret with one line and the DOWNLOAD_AUTH_FAILED exit code, never echoing the secret", async () => {
    const secret = `wrong-${randomBytes(6).toString("hex")}`;
    const dest = join(work, "refused");
    const { code, stdout, stderr } = await runKitt(["models", "download", `s3://${s3.bucket}/llama`, "-o", dest], { ...s3.env, SECRET_KEY: secret });
    expect(code).toBe(24);
    expect(stderr.trim().split("\n").at(-1)).toBe(`kitt: error: s3://${s3.bucket}/llama: the server refused the credentials (403 SignatureDoesNotMatch); check ACCESS_KEY and SECRET_KEY`);
    expect(stderr.split("\n").filter((line) => line.startsWith("kitt:"))).toHaveLength(1);
    expect(stdout + stderr).not.toContain(secret);
    expect(existsSync(dest)).toBe(false);
  });

  it("an endpoint that cannot be reached: exit 19 and one line naming it", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const dest = join(work, "unreachable");
    const { code, stderr } = await runKitt(["models", "download", `s3://${s3.bucket}/llama`, "-o", dest], { ...s3.env, ENDPOINT: closed });
    expect(code).toBe(19);
    expect(stderr.trim().split("\n").at(-1)).toMatch(
      new RegExp(`^kitt: error: s3://${s3.bucket}/llama: cannot list the objects: ${closed.replace(/\./g, "\\.")} \\(ENDPOINT\\) failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); check the endpoint and the network, then run the download again$`),
    );
    expect(existsSync(dest)).toBe(false);
  });

  it("refuses a listed key that would escape the destination before writing anything", async () => {
    await using escaping = await startS3Server("escape");
    await escaping.putObject("model/config.json", Buffer.from("{}"));
    escaping.injectListing("model/../../outside.txt", 5);
    const parent = mkdtempSync(join(work, "escape-"));
    const since = escaping.requests.length;
    const { code, stderr } = await runKitt(["models", "download", `s3://escape/model`, "-o", join(parent, "dest")], escaping.env);
    expect(code).toBe(25);
    expect(stderr).toContain(`lists "../../outside.txt"`);
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(join(work, "outside.txt"))).toBe(false);
    expect(escaping.requests.slice(since).filter((request) => request.method === "GET" && request.path.startsWith("/escape/model/"))).toHaveLength(0);
  });

  it("fails verification when the stored bytes no longer match the ETag, and keeps nothing", async () => {
    await s3.putObject("corrupt/model.bin", randomBytes(3 * MiB));
    await s3.corruptObject("corrupt/model.bin", 1234);
    const dest = join(work, "corrupt");
    await expect(downloadModel(`s3://${s3.bucket}/corrupt`, dest, { env: s3.env, partSize: MiB })).rejects.toMatchObject({
      code: "DOWNLOAD_FAILED",
      message: expect.stringMatching(/model\.bin does not verify \(md5 \(ETag\) [0-9a-f]{32}, expected [0-9a-f]{32}\)/),
    });
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(join(work, ".corrupt.kitt-download", "files", "model.bin"))).toBe(false);
  });

  it("checks free space for what is missing before fetching (NO_SPACE)", async () => {
    const since = s3.requests.length;
    const dest = join(work, "no-space");
    const error = await downloadModel(`s3://${s3.bucket}/llama`, dest, { env: s3.env, freeSpace: async () => MiB }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "NO_SPACE", message: expect.stringMatching(/needs 13\.0 MiB more but .* has 1\.0 MiB free/) });
    expect(objectReads(since, "llama/model.safetensors")).toHaveLength(0);
    expect(existsSync(dest)).toBe(false);
  });

  it("checks Signature V4 itself: a presigned URL works, the same URL with another signature or none is refused", async () => {
    const url = s3.presignGet("llama/config.json");
    expect(await (await fetch(url)).text()).toBe('{"architectures":["LlamaForCausalLM"]}');
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_, digit: string) => `X-Amz-Signature=${digit === "0" ? "1" : "0"}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(`${s3.endpoint}/${s3.bucket}/llama/config.json`)).status).toBe(403);
  });

  it("verifies against the content, not only the server's word: a digest computed here matches", () => {
    const parts = [0, 5, 10].map((start) => createHash("md5").update(weights.subarray(start * MiB, Math.min((start + 5) * MiB, weights.byteLength))).digest());
    expect(weightsEtag).toBe(`${createHash("md5").update(Buffer.concat(parts)).digest("hex")}-3`);
  });
});
