/**
 * Browser sessions after a login: a random id in an `HttpOnly; SameSite=Strict` cookie, kept in
 * memory as its SHA-256 hash (a restart signs everyone out).
 */
import { randomBytes } from "node:crypto";
import { hashToken } from "./token-hash.js";

export const SESSION_COOKIE = "kitt_session";
const SESSION_MS = 12 * 3_600_000;

export class Sessions {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session id, for the cookie only. */
  create(): string {
    for (const [key, expires] of this.expiries) if (expires <= this.now()) this.expiries.delete(key);
    const id = randomBytes(32).toString("base64url");
    this.expiries.set(hashToken(id).toString("hex"), this.now() + SESSION_MS);
    return id;
  }

  /** Map lookups by the hash: the time a lookup takes says nothing about a valid id. */
  valid(id: string): boolean {
    const key = hashToken(id).toString("hex");
    const expires = this.expiries.get(key);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.expiries.delete(key);
      return false;
    }
    return true;
  }

  end(id: string): void {
    this.expiries.delete(hashToken(id).toString("hex"));
  }

  get maxAgeSeconds(): number {
    return SESSION_MS / 1000;
  }
}
