/**
 * The load generator measured against a server whose behaviour is known (`server.ts`,
 * in its own process): how many requests and streamed chunks per second the client sustains when
 * the server costs nothing ("zero-latency"), and how far the client's timings are from the
 * server's own record of when it wrote each token ("reference": one token every 10 ms after 50 ms).
 * A serving benchmark whose numbers come near the zero-latency ceiling measured the client, not
 * the engine.
 */
import { percentileOfSorted, mean } from "../../stats.js";
import type { ClientStats } from "../dispatch/client-stats.js";
import { runLoad } from "../load/load-generator.js";
import { buildSchedule } from "../load/schedule.js";
import { ServeAccumulator } from "../metrics/accumulator.js";
import { computeServeMetrics, type ServeMetrics } from "../metrics/serve-metrics.js";
import type { TransportKind } from "../transport/types.js";
import type { ServeRequest } from "../types.js";
import type { WorkerSetting } from "../workers/shares.js";
import { machineBusyMs } from "./machine-load.js";
import { SelftestServerProcess } from "./server-process.js";
import { REFERENCE_PACE, ZERO_LATENCY, type SelftestServerReport } from "./server.js";

export type SelftestMode = "zero-latency" | "reference";

export interface SelftestOptions {
  mode: SelftestMode;
  requests: number;
  outputTokens: number;
  maxConcurrency: number;
  /** Requests per second with Poisson arrivals; Infinity (default) sends as fast as the cap allows. */
  requestRate?: number;
  /** Unmeasured requests first, so both processes run warm code and hold open connections. */
  warmupRequests?: number;
  workers?: WorkerSetting;
  transport?: TransportKind;
  recordsPath?: string;
  signal?: AbortSignal;
}

export interface Spread {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SelftestResult {
  mode: SelftestMode;
  requests: number;
  completed: number;
  failed: number;
  durationMs: number;
  /** Completed requests per second. */
  requestThroughput: number;
  /** Streamed chunks per second. */
  chunkThroughput: number;
  /** Rate at which requests reached the server over the target rate; null when unpaced. */
  achievedRateRatio: number | null;
  /** When each request's first chunk was stamped, minus when the server wrote it. */
  firstChunkDelay: Spread | null;
  /** The server's real gaps between consecutive tokens of a request (reference mode). */
  serverTokenInterval: { meanMs: number; p99Ms: number } | null;
  serverMaxInFlight: number;
  /**
   * CPU time the rest of the machine used during the measured run, in percent of one core: other
   * programs, the kernel's share not charged to the client or server, and time a virtual
   * machine's host took. Null where it cannot be read (not Linux).
   */
  otherLoadPercent: number | null;
  metrics: ServeMetrics;
  client: ClientStats;
}

export async function runSelftest(options: SelftestOptions): Promise<SelftestResult> {
  const rate = options.requestRate ?? Infinity;
  const server = await SelftestServerProcess.start(options.mode === "reference" ? REFERENCE_PACE : ZERO_LATENCY);
  try {
    const common = {
      baseUrl: server.url,
      protocol: "openai-completions" as const,
      model: "selftest",
      maxConcurrency: options.maxConcurrency,
      durationMs: Infinity,
      maxErrors: Infinity,
      maxErrorRate: 1,
      ignoreEos: true,
      temperature: 0,
      workers: options.workers,
      transport: options.transport,
    };
    const warmup = options.warmupRequests ?? 0;
    if (warmup > 0) {
      const requests = selftestRequests(warmup, options.outputTokens, "warmup");
      await runLoad(requests, { ...common, schedule: new Float64Array(warmup) }, { onRecord: () => undefined }, options.signal);
    }
    const before = await server.report();

    const requests = selftestRequests(options.requests, options.outputTokens, "request");
    const schedule = buildSchedule({ numRequests: options.requests, requestRate: rate, distribution: "poisson", burstiness: 1, seed: 1 });
    const accumulator = new ServeAccumulator();
    const firstChunkAt = new Float64Array(options.requests).fill(NaN);
    let chunks = 0;
    const machineBefore = machineBusyMs();
    const clientBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const load = await runLoad(
      requests,
      { ...common, schedule, recordsPath: options.recordsPath },
      {
        onRecord: (record) => {
          accumulator.add(record);
          chunks += record.chunkMs.length;
          if (record.ttftMs !== null) firstChunkAt[record.index] = record.sentMs + record.ttftMs;
        },
      },
      options.signal,
    );
    const report = await server.report();
    const clientCpu = process.cpuUsage(clientBefore);
    const machineAfter = machineBusyMs();
    const wallMs = performance.now() - wallBefore;
    const otherMs =
      machineBefore === null || machineAfter === null
        ? null
        : machineAfter - machineBefore - (clientCpu.user + clientCpu.system) / 1000 - (report.cpuMs - before.cpuMs);

    const metrics = computeServeMetrics(accumulator, { durationS: load.durationMs / 1000, targetRate: rate, maxConcurrency: options.maxConcurrency });
    const perSecond = (count: number): number => (load.durationMs > 0 ? (count / load.durationMs) * 1000 : 0);
    return {
      mode: options.mode,
      requests: options.requests,
      completed: metrics.completed,
      failed: metrics.failed,
      durationMs: load.durationMs,
      requestThroughput: perSecond(metrics.completed),
      chunkThroughput: perSecond(chunks),
      achievedRateRatio: Number.isFinite(rate) && metrics.achieved_request_rate !== null ? metrics.achieved_request_rate / rate : null,
      firstChunkDelay: spread(firstChunkDelays(report, before.requests, firstChunkAt, load.monotonicStartMs)),
      serverTokenInterval: tokenInterval(report.tokenGapsMs.subarray(before.tokenGapsMs.length)),
      serverMaxInFlight: report.maxInFlight,
      otherLoadPercent: otherMs === null ? null : Math.max(0, (otherMs / wallMs) * 100),
      metrics,
      client: load.client,
    };
  } finally {
    await server.close();
  }
}

/** Prompts ending in their index, which the server reads back to match its log to the records. */
function selftestRequests(count: number, outputTokens: number, label: string): ServeRequest[] {
  return Array.from({ length: count }, (_, index) => ({ prompt: `selftest ${label} ${index}`, promptTokens: 3, outputTokens }));
}

/** Client stamp of each measured request's first chunk minus the server's write of it, both on the monotonic clock. */
function firstChunkDelays(report: SelftestServerReport, skip: number, firstChunkAt: Float64Array, monotonicStartMs: number): number[] {
  const delays: number[] = [];
  for (let entry = skip; entry < report.requests; entry++) {
    const index = report.index[entry] as number;
    const stamped = firstChunkAt[index];
    if (index < 0 || stamped === undefined || Number.isNaN(stamped)) continue;
    delays.push(monotonicStartMs + stamped - (report.firstTokenMs[entry] as number));
  }
  return delays;
}

function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = values.sort((a, b) => a - b);
  return { p50Ms: percentileOfSorted(sorted, 50), p99Ms: percentileOfSorted(sorted, 99), maxMs: sorted[sorted.length - 1] as number };
}

function tokenInterval(gaps: Float64Array): SelftestResult["serverTokenInterval"] {
  if (gaps.length === 0) return null;
  const sorted = Array.from(gaps).sort((a, b) => a - b);
  return { meanMs: mean(sorted), p99Ms: percentileOfSorted(sorted, 99) };
}
