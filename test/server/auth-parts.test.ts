/** The small parts of `kitt web`'s gate: which addresses are loopback, the failure window, sessions. */
import { describe, expect, it } from "vitest";
import { checkBind, isLoopback } from "../../src/server/bind-policy.js";
import { FailureLimiter } from "../../src/server/auth/failure-limiter.js";
import { isSameOrigin } from "../../src/server/auth/same-origin.js";
import { Sessions } from "../../src/server/auth/sessions.js";
import { hashToken, matchesAnyHash } from "../../src/server/auth/token-hash.js";

describe("kitt web's gate", () => {
  it("treats only loopback addresses as private", () => {
    for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "gpu-box", "128.0.0.1", "localhost.evil.example"]) expect(isLoopback(host), host).toBe(false);
    expect(() => checkBind("0.0.0.0", false, false)).toThrow("refusing to serve on 0.0.0.0 without a token");
    expect(checkBind("0.0.0.0", true, false)).toEqual({});
    expect(checkBind("0.0.0.0", false, true).warning).toContain("--insecure");
  });

  it("takes a POST as same-origin by its Origin, or by Sec-Fetch-Site when the Origin is absent or null (Referrer-Policy: no-referrer)", () => {
    const post = (headers: Record<string, string>) => new Request("http://127.0.0.1:8080/login", { method: "POST", headers });
    expect(isSameOrigin(post({ origin: "http://127.0.0.1:8080" }))).toBe(true);
    expect(isSameOrigin(post({ origin: "http://evil.example", "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(isSameOrigin(post({ origin: "null", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(isSameOrigin(post({ origin: "null", "sec-fetch-site": "cross-site" }))).toBe(false);
    expect(isSameOrigin(post({ origin: "null" }))).toBe(false);
    expect(isSameOrigin(post({}))).toBe(false);
  });

  it("refuses an address after ten failures until its window ends", () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter(10, 60_000, () => now);
    for (let i = 0; i < 9; i++) limiter.recordFailure("10.0.0.1");
    expect(limiter.retryAfterSeconds("10.0.0.1")).toBe(0);
    limiter.recordFailure("10.0.0.1");
    expect(limiter.retryAfterSeconds("10.0.0.1")).toBe(60);
    expect(limiter.retryAfterSeconds("10.0.0.2")).toBe(0);
    now += 30_000;
    expect(limiter.retryAfterSeconds("10.0.0.1")).toBe(30);
    now += 30_000;
    expect(limiter.retryAfterSeconds("10.0.0.1")).toBe(0);
  });

  it("sessions expire and end; tokens match only their own hash", () => {
    let now = 0;
    const sessions = new Sessions(() => now);
    const id = sessions.create();
    expect(sessions.valid(id)).toBe(true);
    expect(sessions.valid(`${id}x`)).toBe(false);
    now += sessions.maxAgeSeconds * 1000;
    expect(sessions.valid(id)).toBe(false);
    const other = sessions.create();
    sessions.end(other);
    expect(sessions.valid(other)).toBe(false);

    expect(matchesAnyHash("a", [hashToken("b"), hashToken("a")])).toBe(true);
    expect(matchesAnyHash("a", [hashToken("b"), Buffer.alloc(3)])).toBe(false);
    expect(matchesAnyHash("a", [])).toBe(false);
  });
});
