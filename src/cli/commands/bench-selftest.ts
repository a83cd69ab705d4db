/**
 * `kitt bench selftest [--json] [--requests N] [--concurrency N]`: the serving load generator
 * against a local server in its own process, so users know the client's own limits:
 *
 * - its ceiling against a zero-latency server: requests per second of 16-token streams, and
 *   streamed chunks per second (long streams);
 * - its timing error at `concurrency` streams from a server writing a token every 10 ms after
 *   50 ms: how much later than the server's write the client stamps a first chunk (client TTFT
 *   minus the server's own), and its inter-chunk gaps against the server's real intervals.
 *
 * An engine measured near the ceiling was limited by the client, not by the engine.
 */
import { KittError } from "../../errors.js";
import { runSelftest, type SelftestResult } from "../../serve/selftest/selftest.js";
import type { BenchSelftestOptions } from "../options/serve.js";
import { step } from "../ui.js";
import { textTable } from "../../report/text-table.js";

const SHORT_STREAM_TOKENS = 16;
const LONG_STREAM_TOKENS = 1024;
/** Long streams need fewer requests for the same number of chunks. */
const LONG_STREAM_SHARE = 40;
const LONG_STREAM_CONCURRENCY = 16;
/** The paced run: two waves of streams long enough for a few dozen gaps each. */
const PACED_WAVES = 2;
const PACED_TOKENS = 30;

interface SelftestFigures {
  short: SelftestResult;
  long: SelftestResult;
  paced: SelftestResult;
  concurrency: number;
}

export async function benchSelftestCommand(options: BenchSelftestOptions): Promise<void> {
  const requests = options.requests ?? 20_000;
  const concurrency = options.concurrency ?? 64;
  for (const [name, value] of [["requests", requests], ["concurrency", concurrency]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new KittError("USAGE", `--${name} must be a positive whole number, not ${value}`);
  }
  step(`self-test: ${requests} streams of ${SHORT_STREAM_TOKENS} tokens at concurrency ${concurrency}, zero-latency server`);
  const short = await runSelftest({
    mode: "zero-latency",
    requests,
    outputTokens: SHORT_STREAM_TOKENS,
    maxConcurrency: concurrency,
    warmupRequests: Math.min(requests, 1_000),
  });
  const longRequests = Math.max(10, Math.round(requests / LONG_STREAM_SHARE));
  step(`self-test: ${longRequests} streams of ${LONG_STREAM_TOKENS} tokens, zero-latency server`);
  const long = await runSelftest({
    mode: "zero-latency",
    requests: longRequests,
    outputTokens: LONG_STREAM_TOKENS,
    maxConcurrency: Math.min(concurrency, LONG_STREAM_CONCURRENCY),
    warmupRequests: Math.min(longRequests, 20),
  });
  step(`self-test: ${concurrency} streams, a token every 10 ms after 50 ms`);
  const paced = await runSelftest({
    mode: "reference",
    requests: PACED_WAVES * concurrency,
    outputTokens: PACED_TOKENS,
    maxConcurrency: concurrency,
    warmupRequests: concurrency,
  });
  const failed = short.failed + long.failed + paced.failed;
  if (failed > 0) throw new KittError("BENCHMARK_FAILED", `${failed} self-test requests failed; the client could not be measured`);
  const figures = { short, long, paced, concurrency };
  process.stdout.write(options.json ? `${JSON.stringify(selftestJson(figures), null, 2)}\n` : `${selftestTable(figures)}\n`);
  if (!options.json) process.stdout.write("An engine measured near this ceiling was limited by this client, not by the engine.\n");
}

function selftestJson({ short, long, paced, concurrency }: SelftestFigures): Record<string, unknown> {
  const spread = (result: SelftestResult) =>
    result.firstChunkDelay && { p50: result.firstChunkDelay.p50Ms, p99: result.firstChunkDelay.p99Ms, max: result.firstChunkDelay.maxMs };
  return {
    requests_per_s: short.requestThroughput,
    chunks_per_s: long.chunkThroughput,
    stream_tokens: SHORT_STREAM_TOKENS,
    long_stream_tokens: LONG_STREAM_TOKENS,
    requests: short.requests,
    concurrency,
    /** Client TTFT minus the TTFT the server's own write time implies, with the client flat out. */
    timing_error_at_ceiling_ms: spread(short),
    paced: {
      streams: concurrency,
      timing_error_ms: spread(paced),
      server_token_interval_ms: paced.serverTokenInterval?.meanMs ?? null,
      mean_tpot_ms: paced.metrics.mean_tpot_ms,
      p99_itl_ms: paced.metrics.p99_itl_ms,
    },
    /** CPU other programs took during each run, in percent of one core (null where unknown). */
    other_load_percent: { ceiling: short.otherLoadPercent, chunks: long.otherLoadPercent, paced: paced.otherLoadPercent },
    client: {
      cpu_percent: short.client.cpuPercent,
      event_loop_delay_p99_ms: short.client.eventLoopDelayP99Ms,
      peak_rss_mb: short.client.peakRssBytes / 2 ** 20,
      worker_threads: short.client.workerThreads,
    },
  };
}

function selftestTable({ short, long, paced, concurrency }: SelftestFigures): string {
  const table = textTable({ head: ["self-test", "value", "measured on"] });
  const whole = (value: number): string => Math.round(value).toLocaleString("en-US");
  const ms = (value: number | null | undefined): string => (value === null || value === undefined ? "n/a" : `${value.toFixed(2)} ms`);
  const spread = (result: SelftestResult): string =>
    result.firstChunkDelay ? `p50 ${ms(result.firstChunkDelay.p50Ms)}, p99 ${ms(result.firstChunkDelay.p99Ms)}` : "n/a";
  table.push(
    ["ceiling: 16-token streams", `${whole(short.requestThroughput)} req/s`, `${whole(short.requests)} requests, concurrency ${concurrency}`],
    ["ceiling: streamed chunks", `${whole(long.chunkThroughput)} chunks/s`, `${whole(long.requests)} × ${LONG_STREAM_TOKENS}-token streams`],
    ["timing error at the ceiling", spread(short), "first chunk: client stamp − server write"],
    ["timing error, paced", spread(paced), `${concurrency} streams, a token every 10 ms`],
    [
      "inter-chunk gaps, paced",
      `mean TPOT ${ms(paced.metrics.mean_tpot_ms)}, p99 ITL ${ms(paced.metrics.p99_itl_ms)}`,
      `server's real interval ${ms(paced.serverTokenInterval?.meanMs)}`,
    ],
    [
      "client at the ceiling",
      `CPU ${Math.round(short.client.cpuPercent)}%, event-loop delay p99 ${ms(short.client.eventLoopDelayP99Ms)}`,
      `peak RSS ${whole(short.client.peakRssBytes / 2 ** 20)} MB`,
    ],
  );
  const others = [short, long, paced].map((result) => result.otherLoadPercent);
  if (others.every((load) => load !== null)) {
    table.push(["other programs", `${others.map((load) => `${Math.round(load as number)}%`).join(" / ")} of a core`, "during the three runs; high means disturbed figures"]);
  }
  return table.toString();
}
