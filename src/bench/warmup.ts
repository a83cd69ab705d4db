/**
 * Warmup shared by all benchmarks: a few short generations before measuring, so one-off costs
 * (CUDA graph capture, cache allocation, connection setup) stay out of the numbers. Each
 * call's end-to-end time is kept as `warmup_times`, which shows how cold the engine was.
 */
import type { BaseTestConfig } from "../config/suite-schema.js";
import type { Engine } from "../engines/engine.js";
import type { GenerateRequest } from "../protocols/types.js";
import type { BenchmarkContext } from "./types.js";

export const WARMUP_PROMPT = "Hello! Please introduce yourself in one sentence.";

export interface WarmupOptions {
  iterations: number;
  maxTokens: number;
  prompt?: string;
  /** Sampling settings of the measured requests, so warmup exercises the same path. */
  request?: Partial<GenerateRequest>;
  signal?: AbortSignal;
  onCall?(completed: number, total: number): void;
}

/** Runs the warmup calls in sequence; milliseconds per call. A failing call throws. */
export async function runWarmup(engine: Engine, options: WarmupOptions): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < options.iterations; i++) {
    options.signal?.throwIfAborted();
    const result = await engine.generate(
      { ...options.request, prompt: options.prompt ?? WARMUP_PROMPT, maxTokens: options.maxTokens },
      options.signal,
    );
    times.push(result.e2eMs);
    options.onCall?.(i + 1, options.iterations);
  }
  return times;
}

/** Warmup as a benchmark's config asks for it; nothing when the user skipped warmup. */
export function warmUp(ctx: BenchmarkContext<BaseTestConfig>, request?: Partial<GenerateRequest>): Promise<number[]> {
  if (!ctx.warmup || ctx.config.warmup_iterations === 0) return Promise.resolve([]);
  return runWarmup(ctx.engine, {
    iterations: ctx.config.warmup_iterations,
    maxTokens: ctx.config.warmup_max_tokens,
    request,
    signal: ctx.signal,
    onCall: (completed, total) => ctx.onProgress({ phase: "warmup", completed, total }),
  });
}
