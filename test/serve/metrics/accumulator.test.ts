import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../src/serve/load/random.js";
import { ServeAccumulator } from "../../../src/serve/metrics/accumulator.js";
import { chunkTokenCounts } from "../../../src/serve/metrics/chunk-tokens.js";
import { computeServeMetrics } from "../../../src/serve/metrics/serve-metrics.js";
import type { RequestRecord } from "../../../src/serve/types.js";
import { mean, percentile, std } from "../../../src/stats.js";

const PERCENTILES = [50, 90, 99];

/** Varied records: failures, role-only first chunks, missing usage, per-chunk counts, multi-token chunks. */
function syntheticRecord(
  index: number,
  random: SeededRandom,
  chunks = 2 + Math.floor(random.uniform() * 20),
): RequestRecord {
  const sentMs = index * 7.3 + random.uniform() * 5;
  const chunkMs: number[] = [];
  let time = 20 + random.uniform() * 300;
  for (let chunk = 0; chunk < chunks; chunk++) {
    chunkMs.push(time);
    time += random.exponential(15);
  }
  const roleChunk = random.uniform() < 0.3;
  const perChunk = random.uniform() < 0.2 ? chunkMs.map(() => 1 + Math.floor(random.uniform() * 3)) : null;
  const clientOutputTokens = perChunk?.reduce((sum, count) => sum + count, 0) ?? chunks - (roleChunk ? 1 : 0);
  const usage = random.uniform() < 0.15 ? null : clientOutputTokens + (random.uniform() < 0.2 ? 3 : 0);
  const failure = random.uniform() < 0.1;
  return {
    index,
    scheduledMs: index * 7.3,
    sentMs,
    writtenMs: sentMs,
    success: !failure,
    ttftMs: chunkMs[0] as number,
    ttftContentMs: roleChunk ? (chunkMs[1] as number) : (chunkMs[0] as number),
    e2elMs: chunkMs[chunks - 1] as number,
    chunkMs,
    chunkTokens: perChunk,
    promptTokens: 100 + index,
    outputTokens: usage,
    clientOutputTokens,
    requestedOutputTokens: clientOutputTokens + (random.uniform() < 0.1 ? 1 : 0),
    serverPromptTokens: random.uniform() < 0.5 ? 100 + index : 101 + index,
    generatedText: null,
    error: failure ? { kind: random.uniform() < 0.5 ? "http" : "timeout", message: "failed" } : null,
  };
}

function latencyKeysOf(name: string, samples: number[]): Record<string, number | null> {
  const keys: Record<string, number | null> = {
    [`mean_${name}_ms`]: samples.length ? mean(samples) : null,
    [`median_${name}_ms`]: samples.length ? percentile(samples, 50) : null,
    [`std_${name}_ms`]: samples.length ? std(samples) : null,
  };
  for (const p of PERCENTILES) keys[`p${p}_${name}_ms`] = samples.length ? percentile(samples, p) : null;
  return keys;
}

function addTo(values: number[], index: number, amount: number): void {
  values[index] = (values[index] as number) + amount;
}

/** The metrics computed straight from the full records, object by object. */
function naiveMetrics(records: RequestRecord[], durationS: number): Record<string, unknown> {
  const done = records.filter((record) => record.success);
  const outputOf = (record: RequestRecord) => record.outputTokens ?? record.clientOutputTokens;
  const tpots = done
    .filter((r) => outputOf(r) > 1)
    .map((r) => ((r.e2elMs as number) - (r.ttftMs as number)) / (outputOf(r) - 1));
  const itls = done.flatMap((r) => r.chunkMs.slice(1).map((time, k) => time - (r.chunkMs[k] as number)));
  const firstSend = Math.min(...done.map((r) => r.sentMs));
  const lastEnd = Math.max(...done.map((r) => r.sentMs + (r.e2elMs as number)));
  const tokens = new Array<number>(Math.ceil((lastEnd - firstSend) / 1000) + 1).fill(0);
  const concurrency = new Array<number>(tokens.length).fill(0);
  for (const r of done) {
    const counts = chunkTokenCounts(r.chunkMs, r.chunkTokens, r.ttftContentMs, outputOf(r));
    r.chunkMs.forEach((time, k) => addTo(tokens, Math.floor((r.sentMs + time - firstSend) / 1000), counts[k] as number));
    const last = Math.floor((r.sentMs + (r.e2elMs as number) - firstSend) / 1000);
    for (let second = Math.floor((r.sentMs - firstSend) / 1000); second <= last; second++) addTo(concurrency, second, 1);
  }
  const totalOutput = done.reduce((sum, r) => sum + outputOf(r), 0);
  const totalInput = done.reduce((sum, r) => sum + r.promptTokens, 0);
  return {
    completed: done.length,
    failed: records.length - done.length,
    total_input_tokens: totalInput,
    total_output_tokens: totalOutput,
    request_throughput: done.length / durationS,
    output_throughput: totalOutput / durationS,
    total_token_throughput: (totalInput + totalOutput) / durationS,
    max_output_tokens_per_s: Math.max(...tokens),
    max_concurrent_requests: Math.max(...concurrency),
    ...latencyKeysOf("ttft", done.map((r) => r.ttftMs as number)),
    ...latencyKeysOf("tpot", tpots),
    ...latencyKeysOf("itl", itls),
    ...latencyKeysOf("e2el", done.map((r) => r.e2elMs as number)),
    ...latencyKeysOf("ttft_content", done.map((r) => r.ttftContentMs as number)),
    send_lag_max_ms: Math.max(...records.map((r) => r.sentMs - (r.scheduledMs as number))),
    littles_law_concurrency: done.reduce((sum, r) => sum + (r.e2elMs as number), 0) / 1000 / durationS,
    osl_mismatch_count: done.filter((r) => outputOf(r) !== r.requestedOutputTokens).length,
    usage_discrepancy: {
      requests: done.filter((r) => r.outputTokens !== null && r.outputTokens !== r.clientOutputTokens).length,
      total_abs_diff: done.reduce((sum, r) => sum + Math.abs(outputOf(r) - r.clientOutputTokens), 0),
      prompt_requests: done.filter((r) => r.serverPromptTokens !== r.promptTokens).length,
      prompt_total_abs_diff: done.reduce((sum, r) => sum + Math.abs((r.serverPromptTokens as number) - r.promptTokens), 0),
    },
    errors_by_kind: {
      http: records.filter((r) => r.error?.kind === "http").length,
      timeout: records.filter((r) => r.error?.kind === "timeout").length,
    },
  };
}

describe("ServeAccumulator", () => {
  it("gives the same metrics as a naive computation over the full records", () => {
    const random = new SeededRandom(11);
    const records = Array.from({ length: 3000 }, (_, index) => syntheticRecord(index, random));
    const accumulator = new ServeAccumulator();
    for (const record of records) accumulator.add(record);
    const metrics: Record<string, unknown> = computeServeMetrics(accumulator, {
      durationS: 25,
      selectedPercentiles: PERCENTILES,
    });

    const expected = naiveMetrics(records, 25);
    expect(expected.completed).toBeGreaterThan(2500); // the generator made what the test needs
    expect((expected.usage_discrepancy as { requests: number }).requests).toBeGreaterThan(100);
    for (const [key, value] of Object.entries(expected)) {
      // Sums in a different order may differ in the last bits; everything else is identical.
      if (typeof value === "number" && !Number.isInteger(value)) expect(metrics[key], key).toBeCloseTo(value, 9);
      else expect(metrics[key], key).toEqual(value);
    }
  });

  it("keeps only completed requests in its per-request columns", () => {
    const accumulator = new ServeAccumulator();
    const random = new SeededRandom(3);
    const success = { ...syntheticRecord(0, random, 4), success: true, error: null };
    accumulator.add(success);
    accumulator.add({ ...success, index: 1, success: false, error: { kind: "stream", message: "broke off" } });
    const run = accumulator.snapshot();
    expect(run.requests).toBe(2);
    expect(run.completed).toBe(1);
    expect(Array.from(run.chunkStart)).toEqual([0, 4]);
    expect(Array.from(run.chunkMs)).toEqual(success.chunkMs);
    expect(run.errorsByKind).toEqual({ stream: 1 });
  });

  it("rejects records that break the record contract", () => {
    const random = new SeededRandom(5);
    const good = { ...syntheticRecord(0, random, 3), success: true, error: null };
    const accumulator = new ServeAccumulator();
    expect(() => accumulator.add({ ...good, success: false })).toThrow(/without an error/);
    expect(() => accumulator.add({ ...good, chunkMs: [], ttftMs: null })).toThrow(/without an output chunk/);
    expect(() => accumulator.add({ ...good, chunkTokens: [1] })).toThrow(/chunk token counts/);
  });

  it("holds 100,000 requests of 16 chunks in well under 100 MB", () => {
    const random = new SeededRandom(7);
    const template = syntheticRecord(0, random, 16);
    const before = process.memoryUsage();
    const accumulator = new ServeAccumulator();
    for (let index = 0; index < 100_000; index++) {
      // A fresh record each time, as the load generator hands them over.
      const chunkMs = template.chunkMs.map((time) => time + (index % 7));
      accumulator.add({ ...template, index, sentMs: index * 2, chunkMs });
    }
    const after = process.memoryUsage();
    // Typed arrays live outside the JS heap, so count both.
    const grownMb = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    expect(grownMb).toBeLessThan(100);
    const metrics = computeServeMetrics(accumulator, { durationS: 200 });
    expect(metrics.completed + metrics.failed).toBe(100_000);
  });
});
