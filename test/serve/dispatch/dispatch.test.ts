import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monotonicNowMs, monotonicToPerformance, performanceToMonotonicMs } from "../../../src/serve/dispatch/clock.js";
import { DeadlineTimer } from "../../../src/serve/dispatch/deadline-timer.js";
import { runLoad, type LoadRunOptions } from "../../../src/serve/load/load-generator.js";
import { SelftestServer } from "../../../src/serve/selftest/server.js";
import type { RequestRecord, ServeRequest } from "../../../src/serve/types.js";

function requests(count: number, outputTokens = 4): ServeRequest[] {
  return Array.from({ length: count }, (_, index) => ({ prompt: `dispatch test ${index}`, promptTokens: 3, outputTokens }));
}

function options(baseUrl: string, overrides: Partial<LoadRunOptions>): LoadRunOptions {
  return {
    baseUrl,
    protocol: "openai-completions",
    model: "test",
    maxConcurrency: Infinity,
    schedule: new Float64Array(0),
    durationMs: Infinity,
    maxErrors: Infinity,
    maxErrorRate: 1,
    ignoreEos: true,
    temperature: 0,
    workers: 0,
    ...overrides,
  };
}

async function collect(sent: ServeRequest[], load: LoadRunOptions): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  await runLoad(sent, load, { onRecord: (record) => records.push(record) });
  return records.sort((a, b) => a.index - b.index);
}

describe("deadline timer", () => {
  it("never fires before its deadline, and fires soon after it", async () => {
    const timer = new DeadlineTimer();
    const lateness: number[] = [];
    for (const waitMs of [0, 0.3, 1.5, 3, 12]) {
      const deadline = performance.now() + waitMs;
      await new Promise<void>((resolve) => timer.arm(deadline, resolve));
      lateness.push(performance.now() - deadline);
    }
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lateness)).toBeLessThan(50);
  });

  it("replaces an earlier wait", async () => {
    const timer = new DeadlineTimer();
    const fired: string[] = [];
    timer.arm(performance.now() + 5, () => fired.push("first"));
    await new Promise<void>((resolve) =>
      timer.arm(performance.now() + 10, () => {
        fired.push("second");
        resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(["second"]);
  });

  it("can be cancelled", async () => {
    const timer = new DeadlineTimer();
    const fired: string[] = [];
    timer.arm(performance.now() + 1, () => fired.push("cancelled"));
    timer.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual([]);
  });
});

describe("run clocks across threads and processes", () => {
  it("converts between performance.now() and the monotonic clock", () => {
    const offset = performanceToMonotonicMs();
    const now = performance.now();
    expect(Math.abs(monotonicNowMs() - (now + offset))).toBeLessThan(5);
    expect(Math.abs(monotonicToPerformance(now + offset) - now)).toBeLessThan(0.5);
  });
});

describe("dispatch", () => {
  let zeroLatency: SelftestServer;
  let paced: SelftestServer;
  let zeroUrl: string;
  let pacedUrl: string;

  beforeAll(async () => {
    zeroLatency = new SelftestServer({ firstTokenMs: 0, tokenIntervalMs: 0 });
    paced = new SelftestServer({ firstTokenMs: 10, tokenIntervalMs: 2 });
    zeroUrl = await zeroLatency.listen();
    pacedUrl = await paced.listen();
  });

  afterAll(async () => {
    await zeroLatency.close();
    await paced.close();
  });

  it("sends each request at its absolute scheduled time, never before it", async () => {
    const count = 60;
    // Constant 200 req/s with a pause in the middle: a relative sleep loop would drift, an absolute one does not.
    const schedule = Float64Array.from({ length: count }, (_, index) => 5 * (index + 1) + (index >= 30 ? 100 : 0));
    const records = await collect(requests(count), options(zeroUrl, { schedule }));
    expect(records).toHaveLength(count);
    for (const record of records) {
      expect(record.scheduledMs).toBe(schedule[record.index]);
      expect(record.sentMs).toBeGreaterThanOrEqual(record.scheduledMs as number);
      // Loose: this is a functional test on a shared machine, not a timing benchmark.
      expect(record.sentMs - (record.scheduledMs as number)).toBeLessThan(100);
    }
    const last = records[count - 1] as RequestRecord;
    expect(last.sentMs - (last.scheduledMs as number)).toBeLessThan(100);
  });

  it("records no scheduled time for an unpaced run", async () => {
    const records = await collect(requests(5), options(zeroUrl, { schedule: new Float64Array(5) }));
    expect(records.map((record) => record.scheduledMs)).toEqual([null, null, null, null, null]);
  });

  for (const transport of ["fast", "undici"] as const) {
    for (const workers of [0, 2]) {
      it(`never has more requests in flight than the cap (${transport} transport, ${workers} worker threads)`, async () => {
        const server = new SelftestServer({ firstTokenMs: 10, tokenIntervalMs: 2 });
        const url = await server.listen();
        try {
          const cap = 6;
          const count = 60;
          const records = await collect(
            requests(count, 5),
            options(url, { maxConcurrency: cap, schedule: new Float64Array(count), transport, workers }),
          );
          expect(records.every((record) => record.success)).toBe(true);
          const report = server.report();
          expect(report.requests).toBe(count);
          // Counted by the server, from request arrival to response end: reached, never exceeded.
          expect(report.maxInFlight).toBe(cap);
          // The client's own view: at no send time were more than `cap` requests between send and finish.
          const intervals = records.map((record) => [record.sentMs, record.sentMs + (record.e2elMs as number)] as const);
          for (const [start] of intervals) {
            expect(intervals.filter(([from, to]) => from <= start && start < to).length).toBeLessThanOrEqual(cap);
          }
        } finally {
          await server.close();
        }
      });
    }
  }

  it("takes the send time after the concurrency wait", async () => {
    const records = await collect(requests(5, 3), options(pacedUrl, { maxConcurrency: 1, schedule: new Float64Array(5) }));
    for (let index = 1; index < records.length; index++) {
      const previous = records[index - 1] as RequestRecord;
      expect((records[index] as RequestRecord).sentMs).toBeGreaterThanOrEqual(previous.sentMs + (previous.e2elMs as number));
    }
  });
});
