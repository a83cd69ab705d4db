/**
 * API tokens: 256 random bits, kept only as SHA-256 hashes and compared in constant time
 * (`timingSafeEqual` on the fixed-length hashes, so neither content nor length leaks).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** How many leading characters of a token are shown to tell tokens apart. */
export const TOKEN_PREFIX_LENGTH = 8;

export function generateToken(): string {
  return `kitt_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** True when the token's hash equals any of `hashes`; every hash is compared, whatever matches first. */
export function matchesAnyHash(token: string, hashes: readonly Buffer[]): boolean {
  const presented = hashToken(token);
  let found = false;
  for (const hash of hashes) {
    if (hash.length === presented.length && timingSafeEqual(hash, presented)) found = true;
  }
  return found;
}
