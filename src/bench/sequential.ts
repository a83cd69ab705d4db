/**
 * Sends generations one at a time, as the sequential performance tests do. A failed request
 * is recorded and the loop goes on; an abort or a dead engine stops it at once, keeping
 * every result so far (the benchmark then reports `partial: true` with the `cause`).
 */
import { describeError } from "../errors.js";
import { isFatal } from "../fatal-errors.js";
import type { GenerateRequest, GenerateResult } from "../protocols/types.js";
import type { BenchmarkContext } from "./types.js";

/** `count` requests cycling through `prompts`, each with the same settings. */
export function cycledRequests(prompts: readonly string[], count: number, settings: Omit<GenerateRequest, "prompt">): GenerateRequest[] {
  return Array.from({ length: count }, (_, index) => ({ ...settings, prompt: prompts[index % prompts.length] }));
}

export interface SequentialOutcome<T> {
  completed: T[];
  errors: string[];
  failed: number;
  stopped: boolean;
  cause?: unknown;
  totalSeconds: number;
}

/**
 * Runs `requests` in order; `record(result, index)` turns each finished generation into what
 * the benchmark keeps (it may also do work around the request, e.g. read a GPU sampler).
 */
export async function runSequential<T>(
  ctx: Pick<BenchmarkContext<unknown>, "engine" | "signal" | "onProgress">,
  requests: readonly GenerateRequest[],
  record: (result: GenerateResult, index: number) => T | Promise<T>,
  hooks: { before?(index: number): void | Promise<void> } = {},
): Promise<SequentialOutcome<T>> {
  const { engine, signal } = ctx;
  const total = requests.length;
  const outcome: SequentialOutcome<T> = { completed: [], errors: [], failed: 0, stopped: false, totalSeconds: 0 };
  const started = performance.now();
  for (const [index, request] of requests.entries()) {
    if (signal.aborted) {
      outcome.stopped = true;
      outcome.cause = signal.reason;
      outcome.errors.push(`stopped before request ${index + 1}/${total}: ${describeError(signal.reason)}`);
      break;
    }
    try {
      await hooks.before?.(index);
      const result = await engine.generate(request, signal);
      outcome.completed.push(await record(result, index));
    } catch (error) {
      outcome.errors.push(`request ${index + 1}/${total}: ${describeError(error)}`);
      if (isFatal(error, signal)) {
        outcome.stopped = true;
        outcome.cause = error;
        break;
      }
      outcome.failed++;
    }
    ctx.onProgress({ phase: "measure", completed: index + 1, total });
  }
  outcome.totalSeconds = (performance.now() - started) / 1000;
  return outcome;
}
