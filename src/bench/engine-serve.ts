/**
 * Serving load against the engine a suite runs on: random prompts of exact lengths counted
 * by the engine's own tokenizer, sent through the engine's protocol by the load generator.
 * Suite tests (`serve`, `concurrency_scaling`, `long_context`) are built from these.
 */
import { loadServeDataset } from "../datasets/index.js";
import { chooseTokenCounter } from "../datasets/tokenizers/choose-token-counter.js";
import type { Engine } from "../engines/engine.js";
import { runServe, type ServeRunOptions, type ServeRunResult } from "../serve/load/serve-run.js";
import type { ServeRequest } from "../serve/types.js";

export interface RandomRequestsOptions {
  numPrompts: number;
  inputTokens: number;
  outputTokens: number;
  rangeRatio?: number;
  seed?: number;
  tokenizerPath?: string;
}

export async function randomRequests(engine: Engine, options: RandomRequestsOptions): Promise<ServeRequest[]> {
  const counter = await chooseTokenCounter({
    engine: engine.spec.name,
    baseUrl: engine.baseUrl,
    model: engine.modelName,
    tokenizerPath: options.tokenizerPath,
    needsDecode: true,
  });
  const { requests } = await loadServeDataset({ kind: "random", ...options }, counter).finally(() => counter.close?.());
  return requests;
}

export type EngineLoad = Partial<Omit<ServeRunOptions, "baseUrl" | "protocol" | "model" | "backend" | "tokenizerId" | "requests">>;

/** A load with no pacing and no limits: every request at once, greedy, to exactly its output length. */
export const UNPACED_LOAD = {
  requestRate: Number.POSITIVE_INFINITY,
  distribution: "poisson",
  burstiness: 1,
  maxConcurrency: Number.POSITIVE_INFINITY,
  durationMs: Number.POSITIVE_INFINITY,
  maxErrors: Number.POSITIVE_INFINITY,
  maxErrorRate: 1,
  ignoreEos: true,
  temperature: 0,
  seed: 0,
} as const;

/** One measured run on the engine; unpaced and unlimited unless `load` says otherwise. */
export function serveOnEngine(engine: Engine, requests: readonly ServeRequest[], load: EngineLoad): Promise<ServeRunResult> {
  const protocol = engine.spec.protocols[0] ?? "openai-completions";
  return runServe({
    warmup: [],
    ...UNPACED_LOAD,
    ...load,
    baseUrl: engine.baseUrl,
    protocol,
    model: engine.modelName,
    backend: protocol,
    tokenizerId: engine.spec.name,
    requests,
  });
}
