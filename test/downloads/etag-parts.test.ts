/**
 * A multipart object's ETag checked part by part: each upload part is hashed once every byte of
 * it is written, whatever order the download parts land in and however the two part sizes line
 * up; and the hashing threads of the built kitt give the same digests as hashing in place.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { etagOfParts, multipartEtag } from "../../src/downloads/digest-check.js";
import { followDigest } from "../../src/downloads/digest-follower.js";
import type { FileState } from "../../src/downloads/download-state.js";
import { HashPool } from "../../src/downloads/hash-pool.js";

const MiB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), "kitt-etag-parts-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The multipart ETag S3 gives `body` uploaded in parts of `partSize`. */
function etagOf(body: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let at = 0; at < body.length; at += partSize) digests.push(createHash("md5").update(body.subarray(at, at + partSize)).digest());
  return etagOfParts(digests);
}

/**
 * Writes `body` into a sparse file download part by download part in a shuffled order, in two
 * halves per part, telling the follower after each write as the downloader does.
 */
async function download(body: Buffer, etag: string, uploadPart: number | undefined, downloadPart: number, path: string): Promise<string | undefined> {
  const parts = Math.ceil(body.length / downloadPart);
  const state: FileState = { size: body.length, digest: "", partSize: downloadPart, written: new Array<number>(parts).fill(0), verified: false };
  writeFileSync(path, "");
  const handle = await open(path, "r+");
  await handle.truncate(body.length);
  await using pool = new HashPool(3);
  const follower = followDigest(path, { algorithm: "s3-etag", etag, ...(uploadPart === undefined ? {} : { partSize: uploadPart }) }, state, pool, new AbortController().signal);
  const order = Array.from({ length: parts }, (_, index) => index).sort((a, b) => ((a * 7) % parts) - ((b * 7) % parts));
  try {
    for (const index of order) {
      const start = index * downloadPart;
      const end = Math.min(body.length, start + downloadPart);
      const middle = start + Math.floor((end - start) / 2);
      for (const [from, to] of [[start, middle], [middle, end]] as const) {
        await handle.write(body, from, to - from, from);
        state.written[index]! += to - from;
        follower.notify(index);
      }
    }
  } finally {
    await handle.close();
  }
  return follower.mismatch();
}

describe("a multipart ETag checked part by part", () => {
  const body = randomBytes(18 * MiB + 12345);

  it("verifies whatever order the parts land in, with download parts smaller, larger or the same as the upload's", async () => {
    const etag = etagOf(body, 5 * MiB);
    expect(multipartEtag({ algorithm: "s3-etag", etag }, body.length)).toEqual({ expected: etag, parts: 4, partSize: 5 * MiB });
    for (const downloadPart of [3 * MiB, 5 * MiB, 8 * MiB, 64 * MiB]) {
      expect(await download(body, etag, undefined, downloadPart, join(work, `ok-${downloadPart}`)), `download parts of ${downloadPart}`).toBeUndefined();
    }
  });

  it("names the ETag found when one byte differs", async () => {
    const etag = etagOf(body, 5 * MiB);
    const changed = Buffer.from(body);
    changed[11 * MiB] = changed[11 * MiB]! ^ 0xff;
    const problem = await download(changed, etag, 5 * MiB, 4 * MiB, join(work, "changed"));
    expect(problem).toBe(`ETag ${etagOf(changed, 5 * MiB)}, expected ${etag}`);
  });

  it("leaves an ETag whose part size is unknown or does not fit to the whole-file check", async () => {
    // 30 MiB in 2 parts: uploaded in 15 or in 16 MiB parts, both usual sizes.
    const ambiguous = etagOf(Buffer.alloc(30 * MiB), 16 * MiB);
    expect(multipartEtag({ algorithm: "s3-etag", etag: ambiguous }, 30 * MiB)).toBeUndefined();
    expect(multipartEtag({ algorithm: "s3-etag", etag: ambiguous, partSize: 16 * MiB }, 30 * MiB)).toEqual({ expected: ambiguous, parts: 2, partSize: 16 * MiB });
    expect(multipartEtag({ algorithm: "s3-etag", etag: etagOf(body, 5 * MiB) }, 100 * MiB)).toBeUndefined();
    expect(multipartEtag({ algorithm: "s3-etag", etag: createHash("md5").update(body).digest("hex") }, body.length)).toBeUndefined();
    expect(multipartEtag({ algorithm: "sha256", hex: "00" }, 1)).toBeUndefined();
    // Told a part size that cannot make that many parts: the whole-file check says so.
    const problem = await download(body, etagOf(body, 5 * MiB), 7 * MiB, 4 * MiB, join(work, "wrong-size"));
    expect(problem).toMatch(/^ETag [0-9a-f]{32}-3, expected [0-9a-f]{32}-4$/);
  });
});

describe("the hashing threads of the built kitt", () => {
  it("give each range's md5, many at once, and stop when disposed", async () => {
    const built = (await import(new URL("../../dist/downloads/hash-pool.js", import.meta.url).href)) as typeof import("../../src/downloads/hash-pool.js");
    const path = join(work, "ranges");
    const bytes = randomBytes(9 * MiB);
    writeFileSync(path, bytes);
    const ranges = [[0, 3 * MiB], [3 * MiB, 9 * MiB], [5, 6], [MiB, 2 * MiB + 7], [0, 9 * MiB]] as const;
    const pool = new built.HashPool(2);
    const digests = await Promise.all(ranges.map(([start, end]) => pool.md5({ path, start, end })));
    expect(digests.map((digest) => digest.toString("hex"))).toEqual(ranges.map(([start, end]) => createHash("md5").update(bytes.subarray(start, end)).digest("hex")));
    await expect(pool.md5({ path, start: 0, end: 10 * MiB })).rejects.toThrow(/ends at 9437184 bytes, expected 10485760/);
    const pending = expect(pool.md5({ path, start: 0, end: 9 * MiB })).rejects.toThrow(/stopped/);
    await pool[Symbol.asyncDispose]();
    await pending;
    await expect(pool.md5({ path, start: 0, end: 1 })).rejects.toThrow(/stopped/);
  });
});
