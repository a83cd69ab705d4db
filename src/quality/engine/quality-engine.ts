/**
 * The three things quality tasks ask of an engine, behind one interface so that tasks and the
 * runner do not care how an engine answers (and tests can script one). Each answer says whether
 * its prompt was cut to fit the context one request may use (`window`).
 */
import type { Engine } from "../../engines/engine.js";
import type { EngineCapabilities } from "../../engines/types.js";
import type { ContinuationLogprob } from "./continuation-tokens.js";
import { DEFAULT_MAX_GEN_TOKENS, greedyGenerate, type Generated } from "./greedy.js";
import { loglikelihoods, promptEncoding, type PromptEncoding } from "./loglikelihood.js";
import { promptLimit, type PromptWindow, type TruncateMode } from "./prompt-window.js";
import { firstTokenTopK, type TopK } from "./top-k.js";

export interface QualityEngine {
  /** Engine name, e.g. "vllm". */
  readonly name: string;
  readonly model: string;
  readonly capabilities: EngineCapabilities;
  /** The context prompts are fitted into, and whether they are cut at all. */
  readonly window: PromptWindow;
  /** How log-likelihood requests carry their prompts; undefined where the engine gives no prompt log-probabilities. */
  readonly promptEncoding: PromptEncoding | undefined;
  /** Log-likelihoods of continuations of one context, batched where the engine can. */
  loglikelihoods(context: string, continuations: readonly string[], signal?: AbortSignal): Promise<ContinuationLogprob[]>;
  /** Top-k of the first generated token; `letters`, when given, are the answers being compared. */
  firstTokenTopK(prompt: string, k: number, signal?: AbortSignal, letters?: readonly string[]): Promise<TopK>;
  /** Greedy generation cut at the first stop sequence. */
  generate(prompt: string, stop: readonly string[], signal?: AbortSignal): Promise<Generated>;
}

export interface QualityEngineOptions {
  maxGenTokens?: number;
  /** `left` (the default) cuts prompts longer than the context from the left; `never` sends them whole. */
  truncate?: TruncateMode;
  /** Log-likelihood requests start with the tokenizer's BOS (the harness's `add_bos_token`). */
  addBosToken?: boolean;
  /** The context one request may use, as the running engine reports it (`requestCapacity`); unknown: prompts go out whole. */
  contextLength?: number;
}

export function qualityEngine(engine: Engine, options: QualityEngineOptions = {}): QualityEngine {
  const maxTokens = options.maxGenTokens ?? DEFAULT_MAX_GEN_TOKENS;
  const window: PromptWindow = { truncate: options.truncate ?? "left", contextLength: options.contextLength };
  // Every request generates at least one token; a generation also leaves room for its answer.
  const oneToken = promptLimit(window, 1);
  const generationLimit = promptLimit(window, 1 + maxTokens);
  const addBosToken = options.addBosToken ?? false;
  return {
    name: engine.spec.name,
    model: engine.modelName,
    capabilities: engine.spec.capabilities,
    window,
    promptEncoding: promptEncoding(engine),
    loglikelihoods: (context, continuations, signal) => loglikelihoods(engine, context, continuations, { addBosToken, limit: oneToken, signal }),
    firstTokenTopK: (prompt, k, signal, letters) => firstTokenTopK(engine, prompt, k, { signal, letters, limit: oneToken }),
    generate: (prompt, stop, signal) => greedyGenerate(engine, prompt, stop, { maxTokens, signal, limit: generationLimit }),
  };
}
