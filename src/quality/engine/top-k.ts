/**
 * `firstTokenTopK(engine, prompt, k)`: one greedy token and the top-k log-probabilities at that
 * position, which is all that letter scoring needs (MMLU's " A".." D", the lettered fallbacks).
 * Every engine kitt knows gives these; each through its own route. A prompt longer than `limit`
 * goes out cut to its last token ids (see `fitPrompt`), leaving the one generated token room.
 */
import { engineEndpoint } from "../../engines/engine-endpoint.js";
import type { EngineName } from "../../engines/types.js";
import { requestEngineJson } from "../../protocols/http/engine-request.js";
import type { TopLogprob } from "../scoring/letters.js";
import { engineTokenizer } from "./engine-tokenizer.js";
import type { LoglikelihoodEngine } from "./loglikelihood.js";
import { fitPrompt } from "./prompt-window.js";
import { parseLlamaCppTopK, parseOllamaTopK, parseOpenAITopK, parseTgiTopK } from "./top-k-parsers.js";

export const DEFAULT_TOP_K = 20;
/** TGI refuses `top_n_tokens` above its `--max-top-n-tokens`, 5 by default. */
export const TGI_MAX_TOP_N = 5;

interface TopKRoute {
  path: string;
  body: unknown;
  parse(response: unknown): TopLogprob[];
}

/** The first token's alternatives, and whether the prompt was cut to fit. */
export interface TopK {
  top: TopLogprob[];
  truncated: boolean;
}

export interface TopKOptions {
  signal?: AbortSignal;
  /** The answers being compared (llama.cpp lifts them into its list). */
  letters?: readonly string[];
  /** Most prompt tokens a request may hold; undefined: sent whole. */
  limit?: number;
}

/** `prompt` is text, or token ids on the engines that take them (llama.cpp, vLLM, SGLang). */
export function topKRequest(engineName: EngineName, model: string, prompt: string | readonly number[], k: number): TopKRoute {
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

export async function firstTokenTopK(engine: LoglikelihoodEngine, text: string, k = DEFAULT_TOP_K, options: TopKOptions = {}): Promise<TopK> {
  const { signal, letters } = options;
  const { prompt, truncated } = await fitPrompt(engineTokenizer(engine), text, options.limit, signal);
  const route =
    engine.spec.name === "llama_cpp" && letters && letters.length > 0
      ? llamaCppLetterRequest(prompt, await letterTokenIds(engine, letters, signal), k)
      : topKRequest(engine.spec.name, engine.modelName, prompt, k);
  return { top: route.parse(await requestEngineJson(engineEndpoint(engine), { method: "POST", path: route.path, body: route.body, signal })), truncated };
}

/**
 * llama.cpp reports top-k before its sampler chain, so a weak model whose top 20 holds no
 * answer letter scores every item as −∞. Adding the same bias to every answer-letter token
 * lifts them into the list without changing their differences in log-probability, so the
 * comparison between letters is exact; the post-sampling probabilities are read with a
 * neutral sampler (temperature 1, no top-k/top-p/min-p cut) so the bias is all that changed.
 */
const LETTER_BIAS = 100;

function llamaCppLetterRequest(prompt: string | readonly number[], ids: readonly number[], k: number): TopKRoute {
  return {
    path: "/completion",
    body: {
      prompt,
      n_predict: 1,
      n_probs: Math.max(k, ids.length),
      post_sampling_probs: true,
      temperature: 1,
      top_k: 0,
      top_p: 1,
      min_p: 0,
      logit_bias: ids.map((id) => [id, LETTER_BIAS]),
    },
    parse: parseLlamaCppTopK,
  };
}

const letterIds = new Map<string, Promise<number[]>>();

/** Token ids whose text is a letter, spaced (" A", as after "Answer:") or not ("A"), from the engine's own tokenizer. */
function letterTokenIds(engine: LoglikelihoodEngine, letters: readonly string[], signal?: AbortSignal): Promise<number[]> {
  const key = `${engine.baseUrl} ${letters.join("")}`;
  let ids = letterIds.get(key);
  if (!ids) {
    ids = (async () => {
      const found = new Set<number>();
      for (const letter of letters) {
        for (const text of [`Answer: ${letter}`, `\n${letter}`]) {
          const body = { content: text, with_pieces: true };
          const answer = (await requestEngineJson(engineEndpoint(engine), { method: "POST", path: "/tokenize", body, signal })) as {
            tokens?: Array<{ id: number; piece: string }>;
          };
          const last = answer.tokens?.at(-1);
          if (last && last.piece.trim() === letter) found.add(last.id);
        }
      }
      return [...found];
    })();
    ids.catch(() => letterIds.delete(key));
    letterIds.set(key, ids);
  }
  return ids;
}
