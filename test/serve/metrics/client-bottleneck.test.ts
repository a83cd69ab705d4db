/**
 * Which requests reached the server, how long they waited for a connection, and the flag for a
 * run the client or its connections limited: from hand-made records, through both transports,
 * and against a loopback server that cannot keep up and records when it really received each
 * request.
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UNPACED_LOAD } from "../../../src/bench/engine-serve.js";
import { monotonicNowMs } from "../../../src/serve/dispatch/clock.js";
import { RequestSender } from "../../../src/serve/dispatch/request-sender.js";
import { runServe, type ServeRunOptions } from "../../../src/serve/load/serve-run.js";
import { ServeAccumulator } from "../../../src/serve/metrics/accumulator.js";
import { clientBottleneckReasons, type DeliveryFigures } from "../../../src/serve/metrics/client-bottleneck.js";
import { computeServeMetrics } from "../../../src/serve/metrics/serve-metrics.js";
import type { RequestErrorKind, RequestRecord, ServeRequest } from "../../../src/serve/types.js";

function record(index: number, fields: { sentMs: number; writtenMs: number | null; error?: RequestErrorKind; scheduledMs?: number }): RequestRecord {
  const success = fields.error === undefined;
  return {
    index,
    scheduledMs: fields.scheduledMs ?? null,
    sentMs: fields.sentMs,
    writtenMs: fields.writtenMs,
    success,
    ttftMs: success ? 100 : null,
    ttftContentMs: success ? 100 : null,
    e2elMs: success ? 120 : null,
    chunkMs: success ? [100, 120] : [],
    chunkTokens: null,
    promptTokens: 4,
    outputTokens: success ? 2 : null,
    clientOutputTokens: success ? 2 : 0,
    requestedOutputTokens: 2,
    serverPromptTokens: null,
    generatedText: null,
    error: success ? null : { kind: fields.error as RequestErrorKind, message: `${fields.error} failure` },
  };
}

describe("which requests reached the server", () => {
  it("counts a request from the moment its bytes went out, and not when it never got a connection", () => {
    const accumulator = new ServeAccumulator();
    // Handed over at 0–400 ms; written 1, 3, 0, 50 ms later; one never connected, one was reset
    // before any answer, one still waited for its connection when the run stopped.
    accumulator.add(record(0, { sentMs: 0, writtenMs: 1 }));
    accumulator.add(record(1, { sentMs: 100, writtenMs: 103 }));
    accumulator.add(record(2, { sentMs: 200, writtenMs: 200, error: "http" }));
    accumulator.add(record(3, { sentMs: 300, writtenMs: null, error: "timeout" }));
    accumulator.add(record(4, { sentMs: 350, writtenMs: 355, error: "connection" }));
    accumulator.add(record(5, { sentMs: 400, writtenMs: 450 }));
    accumulator.add(record(6, { sentMs: 1000, writtenMs: null, error: "aborted" }));
    const metrics = computeServeMetrics(accumulator, { durationS: 1 });
    // Reached: 0, 1, 2 (the server answered 503) and 5, the last written at 450 ms.
    expect(metrics.achieved_request_rate).toBeCloseTo(4 / 0.45, 12);
    // Handed to a connection: all 7, the last at 1000 ms (what kitt used to call the achieved rate).
    expect(metrics.dispatched_request_rate).toBe(7);
    // Waits of the 5 written requests: 1 3 0 5 50 → sorted 0 1 3 5 50
    expect(metrics.connection_wait_p50_ms).toBe(3);
    expect(metrics.connection_wait_p99_ms).toBeCloseTo(5 + 0.96 * 45, 12);
    expect(metrics.connection_wait_max_ms).toBe(50);
    expect(metrics.connection_failures).toBe(2);
    expect(metrics.client_bottleneck).toBe(true);
    expect(metrics.client_bottleneck_reasons).toEqual([
      "2 requests never reached the server (connecting failed, timed out or the connection was reset)",
      "1 requests were still waiting for a connection when the run stopped",
      // Mean wait 59 / 5 = 11.8 ms against a mean TTFT of 100 ms (which includes it).
      "waiting for a connection took 11.8 ms on average (p99 48.2 ms), 12% of the mean TTFT, which includes it",
    ]);
  });
});

describe("client-bottleneck rules", () => {
  const healthy: DeliveryFigures = {
    targetRate: 100,
    achievedRate: 99.5,
    capped: false,
    sendLagP99Ms: 1.2,
    connectionWaitMeanMs: 0.3,
    connectionWaitP99Ms: 2,
    meanTtftMs: 80,
    connectionFailures: 0,
    stoppedWhileConnecting: 0,
  };

  it("leaves a run that kept to its schedule unflagged", () => {
    expect(clientBottleneckReasons(healthy)).toEqual([]);
    // 90 % of the target is still on target; a few fresh connections on a long TTFT are no bottleneck.
    expect(clientBottleneckReasons({ ...healthy, achievedRate: 90, connectionWaitP99Ms: 300, connectionWaitMeanMs: 7 })).toEqual([]);
  });

  it("flags a shortfall, late sends and connection waits that make up the TTFT", () => {
    expect(clientBottleneckReasons({ ...healthy, achievedRate: 44 })).toEqual(["requests reached the server at 44.00 req/s of the 100 req/s target"]);
    expect(clientBottleneckReasons({ ...healthy, sendLagP99Ms: 10.4 })).toEqual([
      "sends left up to 10.4 ms after their scheduled time (p99 send lag): the client did not keep to the schedule",
    ]);
    expect(clientBottleneckReasons({ ...healthy, connectionWaitMeanMs: 2_400, connectionWaitP99Ms: 9_000, meanTtftMs: 2_660 })).toEqual([
      "waiting for a connection took 2400.0 ms on average (p99 9000.0 ms), 90% of the mean TTFT, which includes it",
    ]);
  });

  it("does not judge rate or send lag under a concurrency cap, which holds sends back on purpose", () => {
    expect(clientBottleneckReasons({ ...healthy, capped: true, achievedRate: 10, sendLagP99Ms: 500 })).toEqual([]);
    expect(clientBottleneckReasons({ ...healthy, targetRate: null, achievedRate: 10, sendLagP99Ms: 500 })).toEqual([]);
  });
});

describe("when a request's bytes went out", () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    // Answers each request 150 ms after it arrived.
    server = createServer((request, response) => {
      request.resume().on("end", () => {
        setTimeout(() => {
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.end(`data: ${JSON.stringify({ choices: [{ index: 0, text: "x", finish_reason: "length" }] })}\n\ndata: [DONE]\n\n`);
        }, 150);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const transport of ["fast", "undici"] as const) {
    it(`is measured apart from the hand-over, through the ${transport} transport`, async () => {
      // One connection for two requests sent at once: the second waits for the first to finish.
      const sender = new RequestSender({
        baseUrl,
        protocol: "openai-completions",
        model: "m",
        ignoreEos: true,
        temperature: 0,
        connections: 1,
        transport,
      });
      try {
        const runStart = performance.now();
        const request: ServeRequest = { prompt: "p", promptTokens: 1, outputTokens: 1 };
        const records = await Promise.all(
          [0, 1].map((index) => new Promise<RequestRecord>((resolve) => sender.send(index, request, null, runStart, resolve))),
        );
        const [first, second] = records as [RequestRecord, RequestRecord];
        expect(first.success && second.success).toBe(true);
        const wait = (r: RequestRecord): number => (r.writtenMs as number) - r.sentMs;
        // The first only connected; the second waited out the first request's 150 ms answer.
        expect(wait(first)).toBeGreaterThanOrEqual(0);
        expect(wait(first)).toBeLessThan(100);
        expect(wait(second)).toBeGreaterThanOrEqual(140);
        // TTFT still counts from the hand-over (vLLM's start), so it includes that wait.
        expect(second.ttftMs as number).toBeGreaterThanOrEqual(wait(second) + 140);
      } finally {
        await sender.close();
      }
    });
  }
});

/** The limited server (`test/support/limited-server.mjs`) in its own process. */
class LimitedServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(args: string[]): Promise<LimitedServer> {
    const child = fork(fileURLToPath(new URL("../../support/limited-server.mjs", import.meta.url)), args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const [message] = (await once(child, "message")) as [{ url: string }];
    return new LimitedServer(child, message.url);
  }

  async report(): Promise<{ receivedMs: number[]; prompts: string[] }> {
    const reply = once(this.child, "message");
    this.child.send({ type: "report" });
    return ((await reply) as [{ receivedMs: number[]; prompts: string[] }])[0];
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.send({ type: "close" });
    await exited;
  }
}

describe("a run against a server that cannot keep up", () => {
  let server: LimitedServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function load(url: string, overrides: Partial<ServeRunOptions>): ServeRunOptions {
    return {
      baseUrl: url,
      protocol: "openai-completions",
      model: "m",
      backend: "openai-completions",
      tokenizerId: "test",
      requests: Array.from({ length: 200 }, (_, index) => ({ prompt: `request ${index}`, promptTokens: 3, outputTokens: 2 })),
      warmup: [],
      ...UNPACED_LOAD,
      requestRate: 200,
      workers: 0,
      ...overrides,
    };
  }

  it("reports the rate the server received, not the target, and flags the run", async () => {
    // 4 connections at most, each request answered after 50 ms: about 80 req/s, against a target of 200.
    server = await LimitedServer.start(["--max-connections", "4", "--delay-ms", "50"]);
    const startedMs = monotonicNowMs();
    const { result } = await runServe(load(server.url, {}));
    const { receivedMs } = await server.report();
    const serverRate = receivedMs.length / ((Math.max(...receivedMs) - startedMs) / 1000);
    expect(serverRate).toBeLessThan(150);
    const achieved = result.achieved_request_rate as number;
    expect(Math.abs(achieved / serverRate - 1)).toBeLessThan(0.25);
    expect(result.dispatched_request_rate as number).toBeGreaterThan(150);
    // The requests the server turned away, and only those, never reached it.
    expect(result.connection_failures).toBe(200 - receivedMs.length);
    expect(result.completed).toBe(receivedMs.length);
    expect(result.client_bottleneck).toBe(true);
    const reasons = (result.client_bottleneck_reasons as string[]).join("\n");
    expect(reasons).toContain(`${200 - receivedMs.length} requests never reached the server`);
    expect(reasons).toMatch(/requests reached the server at [\d.]+ req\/s of the 200 req\/s target/);
  }, 60_000);

  it("leaves a healthy run unflagged", async () => {
    server = await LimitedServer.start(["--max-connections", "4", "--delay-ms", "100"]);
    const { result } = await runServe(load(server.url, { requests: load(server.url, {}).requests.slice(0, 24), requestRate: Infinity, maxConcurrency: 4 }));
    const { receivedMs } = await server.report();
    expect(receivedMs).toHaveLength(24);
    expect(result).toMatchObject({ completed: 24, failed: 0, connection_failures: 0, client_bottleneck: false, client_bottleneck_reasons: [] });
    expect(result.connection_wait_p50_ms as number).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
