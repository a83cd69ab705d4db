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
import { continuationLogprob, type ContinuationLogprob, type PromptToken } from "./continuation-tokens.js";
import { postJson } from "./engine-http.js";
import { parseSglangPromptTokens, sglangLoglikelihoodRequest } from "./loglikelihood-sglang.js";
import { parseTgiPromptTokens, tgiLoglikelihoodRequest } from "./loglikelihood-tgi.js";
import { parseVllmPromptTokens, vllmLoglikelihoodRequest } from "./loglikelihood-vllm.js";

export type LoglikelihoodEngine = Pick<Engine, "baseUrl" | "spec" | "modelName">;

interface Family {
  request(model: string, prompt: string): { path: string; body: unknown };
  parse(response: unknown): PromptToken[];
}

const FAMILIES: Partial<Record<EngineName, Family>> = {
  vllm: { request: vllmLoglikelihoodRequest, parse: parseVllmPromptTokens },
  sglang: { request: (_model, prompt) => sglangLoglikelihoodRequest(prompt), parse: parseSglangPromptTokens },
  tgi: { request: (_model, prompt) => tgiLoglikelihoodRequest(prompt), parse: parseTgiPromptTokens },
};

export async function loglikelihood(
  engine: LoglikelihoodEngine,
  context: string,
  continuation: string,
  signal?: AbortSignal,
): Promise<ContinuationLogprob> {
  const family = FAMILIES[engine.spec.name];
  if (family === undefined) {
    throw new KittError("CONFIG_INVALID", `${engine.spec.displayName} gives no prompt log-probabilities, so it cannot score log-likelihoods`);
  }
  const pair = loglikelihoodPair(context, continuation);
  const { path, body } = family.request(engine.modelName, pair.context + pair.continuation);
  const response = await postJson(engine, path, body, signal);
  return continuationLogprob(family.parse(response), pair.continuation, engine.spec.displayName);
}
