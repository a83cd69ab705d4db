/**
 * The three things quality tasks ask of an engine, behind one interface so that tasks and the
 * runner do not care how an engine answers (and tests can script one).
 */
import type { Engine } from "../../engines/engine.js";
import type { EngineCapabilities } from "../../engines/types.js";
import type { TopLogprob } from "../scoring/letters.js";
import type { ContinuationLogprob } from "./continuation-tokens.js";
import { DEFAULT_MAX_GEN_TOKENS, greedyGenerate } from "./greedy.js";
import { loglikelihood, loglikelihoods } from "./loglikelihood.js";
import { firstTokenTopK } from "./top-k.js";

export interface QualityEngine {
  /** Engine name, e.g. "vllm". */
  readonly name: string;
  readonly model: string;
  readonly capabilities: EngineCapabilities;
  loglikelihood(context: string, continuation: string, signal?: AbortSignal): Promise<ContinuationLogprob>;
  /** The same for several continuations of one context, batched where the engine can. */
  loglikelihoods(context: string, continuations: readonly string[], signal?: AbortSignal): Promise<ContinuationLogprob[]>;
  /** Top-k of the first generated token; `letters`, when given, are the answers being compared. */
  firstTokenTopK(prompt: string, k: number, signal?: AbortSignal, letters?: readonly string[]): Promise<TopLogprob[]>;
  /** Greedy generation cut at the first stop sequence. */
  generate(prompt: string, stop: readonly string[], signal?: AbortSignal): Promise<string>;
}

export function qualityEngine(engine: Engine, options: { maxGenTokens?: number } = {}): QualityEngine {
  const maxTokens = options.maxGenTokens ?? DEFAULT_MAX_GEN_TOKENS;
  return {
    name: engine.spec.name,
    model: engine.modelName,
    capabilities: engine.spec.capabilities,
    loglikelihood: (context, continuation, signal) => loglikelihood(engine, context, continuation, signal),
    loglikelihoods: (context, continuations, signal) => loglikelihoods(engine, context, continuations, signal),
    firstTokenTopK: (prompt, k, signal, letters) => firstTokenTopK(engine, prompt, k, signal, letters),
    generate: (prompt, stop, signal) => greedyGenerate(engine, prompt, stop, { maxTokens, signal }),
  };
}
