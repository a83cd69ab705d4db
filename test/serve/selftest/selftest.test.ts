import { afterEach, describe, expect, it, vi } from "vitest";
import { benchSelftestCommand } from "../../../src/cli/commands/bench-selftest.js";
import { machineBusyMs } from "../../../src/serve/selftest/machine-load.js";
import { runSelftest } from "../../../src/serve/selftest/selftest.js";

describe("self-test", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("measures the client's ceiling against a zero-latency server in its own process", async () => {
    const result = await runSelftest({ mode: "zero-latency", requests: 400, outputTokens: 16, maxConcurrency: 16, warmupRequests: 50 });
    expect(result).toMatchObject({ mode: "zero-latency", requests: 400, completed: 400, failed: 0, achievedRateRatio: null, serverTokenInterval: null });
    expect(result.requestThroughput).toBeGreaterThan(50);
    expect(result.chunkThroughput).toBeCloseTo(result.requestThroughput * 16, 0);
    expect(result.serverMaxInFlight).toBeLessThanOrEqual(16);
    // Server and client clocks agree: the client never stamps a chunk before the server wrote it.
    expect(result.firstChunkDelay?.p50Ms).toBeGreaterThanOrEqual(0);
    expect(result.firstChunkDelay?.maxMs).toBeLessThan(1_000);
    expect(result.metrics.completed).toBe(400);
    if (process.platform === "linux") expect(result.otherLoadPercent).toBeGreaterThanOrEqual(0);
  });

  it("reads how busy the machine is, where the system says", () => {
    const busy = machineBusyMs();
    if (process.platform === "linux") expect(busy).toBeGreaterThan(0);
    else expect(busy).toBeNull();
  });

  it("checks the client's timings against a server with a known pace", async () => {
    const result = await runSelftest({
      mode: "reference",
      requests: 20,
      outputTokens: 10,
      maxConcurrency: 20,
      requestRate: 200,
      warmupRequests: 5,
    });
    expect(result.failed).toBe(0);
    const interval = result.serverTokenInterval?.meanMs ?? NaN;
    // A token every 10 ms, and the client sees the same pace (loosely: this is not a benchmark).
    expect(interval).toBeGreaterThan(9);
    expect(interval).toBeLessThan(13);
    expect(result.metrics.mean_tpot_ms).toBeGreaterThan(interval * 0.8);
    expect(result.metrics.mean_tpot_ms).toBeLessThan(interval * 1.2);
    expect(result.metrics.mean_ttft_ms).toBeGreaterThanOrEqual(50);
    expect(result.achievedRateRatio).toBeGreaterThan(0.5);
    expect(result.metrics.send_lag_p50_ms).toBeGreaterThanOrEqual(0);
  });

  it("prints its figures as JSON from the command", async () => {
    let out = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await benchSelftestCommand({ json: true, requests: 300, concurrency: 8 });
    const figures = JSON.parse(out) as Record<string, unknown>;
    expect(figures).toMatchObject({ requests: 300, concurrency: 8, stream_tokens: 16 });
    expect(figures.requests_per_s).toBeGreaterThan(0);
    expect(figures.chunks_per_s).toBeGreaterThan(0);
  });

  it("rejects nonsense counts", async () => {
    await expect(benchSelftestCommand({ requests: 0 })).rejects.toThrow(/--requests must be a positive whole number/);
  });
});
