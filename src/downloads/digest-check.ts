/**
 * Checks a file's bytes, fed in order, against the digest its source gave: sha256, sha1, md5,
 * Git's blob sha1, or an S3 ETag (the md5 of the object, or for a multipart upload the md5 of
 * its parts' md5s with `-N`, computed for the upload's part size).
 */
import { createHash, type Hash } from "node:crypto";
import type { Digest } from "./source.js";

export interface DigestCheck {
  update(chunk: Uint8Array): void;
  /** After the last byte: undefined when the bytes match, else what was expected and found. */
  mismatch(): string | undefined;
}

const MiB = 1024 * 1024;
/** Part sizes of common uploaders (AWS CLI and SDKs, boto3, s3cmd, rclone, MinIO's mc), tried when the source does not know the one used. */
const COMMON_PART_SIZES = [5, 8, 10, 15, 16, 32, 50, 64, 100, 128, 256, 512].map((size) => size * MiB);

export function digestCheck(digest: Digest, size: number): DigestCheck {
  switch (digest.algorithm) {
    case "sha256":
    case "sha1":
    case "md5":
      return wholeFile(createHash(digest.algorithm), digest.hex, digest.algorithm);
    case "git-blob-sha1": {
      const hash = createHash("sha1").update(`blob ${size}\0`);
      return wholeFile(hash, digest.hex, "git blob sha1");
    }
    case "s3-etag":
      return etagCheck(digest.etag, size, digest.partSize);
  }
}

function wholeFile(hash: Hash, expected: string, label: string): DigestCheck {
  return {
    update: (chunk) => void hash.update(chunk),
    mismatch() {
      const actual = hash.digest("hex");
      return actual === expected.toLowerCase() ? undefined : `${label} ${actual}, expected ${expected.toLowerCase()}`;
    },
  };
}

/** An S3 ETag read: the value expected and, for a multipart upload, its part count and the part sizes that could have made it. */
function readEtag(etag: string, size: number, partSize: number | undefined): { expected: string; multipart?: { parts: number; candidates: number[] } } {
  const expected = etag.replace(/"/gu, "").toLowerCase();
  const match = /^[0-9a-f]{32}-(\d+)$/u.exec(expected);
  if (!match) return { expected };
  const parts = Number(match[1]);
  return { expected, multipart: { parts, candidates: partSize !== undefined ? [partSize] : candidatePartSizes(size, parts) } };
}

function etagCheck(etag: string, size: number, partSize: number | undefined): DigestCheck {
  const { expected, multipart } = readEtag(etag, size, partSize);
  if (!multipart) return wholeFile(createHash("md5"), expected, "md5 (ETag)");
  const { parts, candidates } = multipart;
  const checks = candidates.map((candidate) => new MultipartEtag(candidate));
  return {
    update(chunk) {
      for (const check of checks) check.update(chunk);
    },
    mismatch() {
      if (checks.length === 0) return `an ETag of ${parts} parts (${expected}), but no usual part size splits ${size} bytes into ${parts} parts, so it cannot be checked`;
      const found = checks.map((check) => check.etag());
      return found.includes(expected) ? undefined : `ETag ${found.join(" or ")}, expected ${expected}`;
    },
  };
}

/**
 * A multipart ETag whose part size is known (given, or the only usual size that fits), so that
 * its parts can be hashed apart; undefined for any other digest.
 */
export function multipartEtag(digest: Digest, size: number): { expected: string; parts: number; partSize: number } | undefined {
  if (digest.algorithm !== "s3-etag") return undefined;
  const { expected, multipart } = readEtag(digest.etag, size, digest.partSize);
  if (multipart === undefined || multipart.parts < 1 || multipart.candidates.length !== 1) return undefined;
  const [partSize] = multipart.candidates as [number];
  return Math.ceil(size / partSize) === multipart.parts ? { expected, parts: multipart.parts, partSize } : undefined;
}

/** The multipart ETag of parts' md5 digests, in order. */
export function etagOfParts(digests: readonly Uint8Array[]): string {
  return `${createHash("md5").update(Buffer.concat(digests)).digest("hex")}-${digests.length}`;
}

function candidatePartSizes(size: number, parts: number): number[] {
  const evenSplit = Math.ceil(size / parts / MiB) * MiB;
  return [...new Set([...COMMON_PART_SIZES, evenSplit])].filter((candidate) => Math.ceil(size / candidate) === parts);
}

class MultipartEtag {
  private readonly digests: Buffer[] = [];
  private current = createHash("md5");
  private inPart = 0;

  constructor(private readonly partSize: number) {}

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(this.partSize - this.inPart, chunk.byteLength - offset);
      this.current.update(chunk.subarray(offset, offset + take));
      this.inPart += take;
      offset += take;
      if (this.inPart === this.partSize) this.endPart();
    }
  }

  etag(): string {
    if (this.inPart > 0) this.endPart();
    return etagOfParts(this.digests);
  }

  private endPart(): void {
    this.digests.push(this.current.digest());
    this.current = createHash("md5");
    this.inPart = 0;
  }
}
