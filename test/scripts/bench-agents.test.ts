/**
 * `scripts/bench-agents.ts` end to end with tiny numbers: a real `kitt web` (the built one), 5
 * agents enrolled over the protocol, 2 s of heartbeats, on SQLite and (where reachable, always
 * in CI) PostgreSQL; its JSON report holds every heartbeat answered and sensible figures.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { testPostgres } from "../support/postgres.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

const postgres = await testPostgres();
await postgres?.dropAll();

describe("bench-agents.ts", () => {
  it(`reports heartbeat latency, lost heartbeats, CPU and online agents on ${postgres ? "SQLite and PostgreSQL" : "SQLite (no PostgreSQL here)"}`, async () => {
    const { stdout } = await run(tsx, ["scripts/bench-agents.ts", "--agents", "5", "--seconds", "2", "--store", postgres ? "both" : "sqlite", "--json"], { cwd: root, timeout: 170_000 });
    const results = JSON.parse(stdout) as Array<Record<string, unknown> & { heartbeats: Record<string, number>; latency_ms: Record<string, number>; send_lag_ms: Record<string, number>; cpu: Record<string, number | null> }>;
    expect(results.map((r) => r.store)).toEqual(postgres ? ["sqlite", "postgres"] : ["sqlite"]);
    for (const result of results) {
      expect(result).toMatchObject({ agents: 5, seconds: 2, pinned: false, online_at_end: 5 });
      expect(result.heartbeats).toEqual({ scheduled: 10, answered: 10, lost: 0, lost_reasons: {} });
      const { p50 = 0, p90 = 0, p99 = 0, max = 0 } = result.latency_ms;
      expect(p50).toBeGreaterThan(0);
      expect(p50 <= p90 && p90 <= p99 && p99 <= max).toBe(true);
      expect(result.send_lag_ms.max).toBeGreaterThanOrEqual(0);
      expect(result.cpu.client).toBeGreaterThan(0);
      if (result.cpu.server !== null) expect(result.cpu.server).toBeGreaterThan(0);
      expect(typeof result.target_met).toBe("boolean");
    }
  }, 180_000);
});
