/**
 * `firstTokenTopK(engine, prompt, k)`: one greedy token and the top-k log-probabilities at that
 * position, which is all that letter scoring needs (MMLU's " A".." D", the lettered fallbacks).
 * Every engine kitt knows gives these; each through its own route.
 */
import type { EngineName } from "../../engines/types.js";
import type { TopLogprob } from "../scoring/letters.js";
import { postJson } from "./engine-http.js";
import type { LoglikelihoodEngine } from "./loglikelihood.js";
import { parseLlamaCppTopK, parseOllamaTopK, parseOpenAITopK, parseTgiTopK } from "./top-k-parsers.js";

export const DEFAULT_TOP_K = 20;
/** TGI refuses `top_n_tokens` above its `--max-top-n-tokens`, 5 by default. */
export const TGI_MAX_TOP_N = 5;

interface TopKRoute {
  path: string;
  body: unknown;
  parse(response: unknown): TopLogprob[];
}

export function topKRequest(engineName: EngineName, model: string, prompt: string, k: number): TopKRoute {
  switch (engineName) {
    case "llama_cpp":
      return { path: "/completion", body: { prompt, n_predict: 1, n_probs: k, temperature: 0 }, parse: parseLlamaCppTopK };
    case "tgi":
      return {
        path: "/generate",
        body: { inputs: prompt, parameters: { max_new_tokens: 1, details: true, do_sample: false, top_n_tokens: Math.min(k, TGI_MAX_TOP_N) } },
        parse: parseTgiTopK,
      };
    case "ollama":
      // raw: the prompt is already complete; the model's chat template must not wrap it.
      return {
        path: "/api/generate",
        body: { model, prompt, raw: true, stream: false, options: { temperature: 0, num_predict: 1 }, logprobs: true, top_logprobs: k },
        parse: parseOllamaTopK,
      };
    default:
      return { path: "/v1/completions", body: { model, prompt, max_tokens: 1, temperature: 0, logprobs: k }, parse: parseOpenAITopK };
  }
}

export async function firstTokenTopK(
  engine: LoglikelihoodEngine,
  prompt: string,
  k = DEFAULT_TOP_K,
  signal?: AbortSignal,
): Promise<TopLogprob[]> {
  const route = topKRequest(engine.spec.name, engine.modelName, prompt, k);
  return route.parse(await postJson(engine, route.path, route.body, signal));
}
