/**
 * `loglikelihood(engine, context, continuation)`: log P(continuation | context) summed over the
 * continuation's tokens, from the prompt log-probabilities of engines that give them (vLLM,
 * SGLang, TGI). The pair is first normalised as the harness does (trailing whitespace of the
 * context moves onto the continuation).
 */
import type { Engine } from "../../engines/engine.js";
import type { EngineName } from "../../engines/types.js";
import { KittError } from "../../errors.js";
import { loglikelihoodPair } from "../tasks/prompt.js";
import { continuationLogprob, type ContinuationLogprob, type PromptTokens } from "./continuation-tokens.js";
import { postJson } from "./engine-http.js";
import { parseSglangBatchPromptTokens, parseSglangPromptTokens, sglangLoglikelihoodRequest } from "./loglikelihood-sglang.js";
import { parseTgiPromptTokens, tgiLoglikelihoodRequest } from "./loglikelihood-tgi.js";
import { parseVllmBatchPromptTokens, parseVllmPromptTokens, vllmLoglikelihoodRequest } from "./loglikelihood-vllm.js";

export type LoglikelihoodEngine = Pick<Engine, "baseUrl" | "spec" | "modelName">;

interface Family {
  request(model: string, prompt: string): { path: string; body: unknown };
  parse(response: unknown): PromptTokens;
  /** Several prompts in one request, where the engine takes a batch. */
  batch?: {
    request(model: string, prompts: readonly string[]): { path: string; body: unknown };
    parse(response: unknown, count: number): PromptTokens[];
  };
}

// SGLang's native route names no model; its request takes one prompt or a list, like vLLM's.
const sglangRequest = (_model: string, prompt: string | readonly string[]) => sglangLoglikelihoodRequest(prompt);

const FAMILIES: Partial<Record<EngineName, Family>> = {
  vllm: {
    request: vllmLoglikelihoodRequest,
    parse: parseVllmPromptTokens,
    batch: { request: vllmLoglikelihoodRequest, parse: parseVllmBatchPromptTokens },
  },
  sglang: { request: sglangRequest, parse: parseSglangPromptTokens, batch: { request: sglangRequest, parse: parseSglangBatchPromptTokens } },
  tgi: { request: (_model, prompt) => tgiLoglikelihoodRequest(prompt), parse: parseTgiPromptTokens },
};

function familyOf(engine: LoglikelihoodEngine): Family {
  const family = FAMILIES[engine.spec.name];
  if (family === undefined) {
    throw new KittError("CONFIG_INVALID", `${engine.spec.displayName} gives no prompt log-probabilities, so it cannot score log-likelihoods`);
  }
  return family;
}

export async function loglikelihood(
  engine: LoglikelihoodEngine,
  context: string,
  continuation: string,
  signal?: AbortSignal,
): Promise<ContinuationLogprob> {
  const family = familyOf(engine);
  const pair = loglikelihoodPair(context, continuation);
  const { path, body } = family.request(engine.modelName, pair.context + pair.continuation);
  const response = await postJson(engine, path, body, signal);
  return continuationLogprob(family.parse(response), pair.continuation, engine.spec.displayName);
}

/**
 * Several continuations of one context: one batched request where the engine takes a batch (vLLM,
 * SGLang: the same numbers as one request each, with a fraction of the HTTP round trips), else one
 * after another.
 */
export async function loglikelihoods(
  engine: LoglikelihoodEngine,
  context: string,
  continuations: readonly string[],
  signal?: AbortSignal,
): Promise<ContinuationLogprob[]> {
  const family = familyOf(engine);
  if (family.batch === undefined || continuations.length < 2) {
    const results: ContinuationLogprob[] = [];
    for (const continuation of continuations) results.push(await loglikelihood(engine, context, continuation, signal));
    return results;
  }
  const pairs = continuations.map((continuation) => loglikelihoodPair(context, continuation));
  const { path, body } = family.batch.request(engine.modelName, pairs.map((pair) => pair.context + pair.continuation));
  const response = await postJson(engine, path, body, signal);
  return family.batch.parse(response, pairs.length).map((tokens, i) => continuationLogprob(tokens, pairs[i]!.continuation, engine.spec.displayName));
}
