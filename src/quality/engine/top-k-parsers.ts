/**
 * The first generated token's top-k alternatives, in each engine's answer shape, as
 * `{token, logprob}` lists.
 */
import { KittError } from "../../errors.js";
import { asRecord, numberField, stringField } from "../../protocols/json-fields.js";
import type { TopLogprob } from "../scoring/letters.js";

function entryList(value: unknown, where: string): TopLogprob[] {
  if (!Array.isArray(value)) throw new KittError("ENGINE_REQUEST_FAILED", `${where} holds no top log-probabilities`);
  return value.flatMap((item: unknown) => {
    const entry = asRecord(item);
    const token = stringField(entry, "token") ?? stringField(entry, "text");
    const logprob = numberField(entry, "logprob");
    return token === undefined || logprob === undefined ? [] : [{ token, logprob }];
  });
}

/**
 * OpenAI `/v1/completions` with `logprobs: k`: the legacy `logprobs.top_logprobs[0]` object of
 * token → logprob (vLLM, SGLang, TabbyAPI), or llama.cpp's `logprobs.content[0].top_logprobs` list.
 */
export function parseOpenAITopK(response: unknown): TopLogprob[] {
  const choices = asRecord(response)?.choices;
  const logprobs = asRecord(Array.isArray(choices) ? asRecord(choices[0])?.logprobs : undefined);
  const legacy = Array.isArray(logprobs?.top_logprobs) ? asRecord(logprobs.top_logprobs[0]) : undefined;
  if (legacy) {
    return Object.entries(legacy).flatMap(([token, logprob]) => (typeof logprob === "number" ? [{ token, logprob }] : []));
  }
  const content = Array.isArray(logprobs?.content) ? asRecord(logprobs.content[0]) : undefined;
  return entryList(content?.top_logprobs, "the OpenAI completion's choices[0].logprobs");
}

/**
 * llama.cpp native `/completion` with `n_probs`: `completion_probabilities[0].top_logprobs`
 * (current builds) or `completion_probabilities[0].probs[{tok_str, prob}]` (older builds).
 */
export function parseLlamaCppTopK(response: unknown): TopLogprob[] {
  const list = asRecord(response)?.completion_probabilities;
  const first = Array.isArray(list) ? asRecord(list[0]) : undefined;
  if (Array.isArray(first?.probs)) {
    return first.probs.flatMap((item: unknown) => {
      const entry = asRecord(item);
      const token = stringField(entry, "tok_str");
      const prob = numberField(entry, "prob");
      return token === undefined || prob === undefined ? [] : [{ token, logprob: Math.log(prob) }];
    });
  }
  // With `post_sampling_probs` the list is `top_probs` of `{token, prob}`.
  if (Array.isArray(first?.top_probs)) {
    return first.top_probs.flatMap((item: unknown) => {
      const entry = asRecord(item);
      const token = stringField(entry, "token");
      const prob = numberField(entry, "prob");
      return token === undefined || prob === undefined ? [] : [{ token, logprob: Math.log(prob) }];
    });
  }
  return entryList(first?.top_logprobs, "llama.cpp's completion_probabilities[0]");
}

/** TGI `/generate` with `top_n_tokens`: `details.top_tokens[0]` as `{id, text, logprob, special}`. */
export function parseTgiTopK(response: unknown): TopLogprob[] {
  const top = asRecord(asRecord(response)?.details)?.top_tokens;
  return entryList(Array.isArray(top) ? top[0] : undefined, "TGI's details.top_tokens");
}

/** Ollama `/api/generate` with `logprobs: true, top_logprobs: k`: `logprobs[0].top_logprobs`. */
export function parseOllamaTopK(response: unknown): TopLogprob[] {
  const logprobs = asRecord(response)?.logprobs;
  return entryList(Array.isArray(logprobs) ? asRecord(logprobs[0])?.top_logprobs : undefined, "Ollama's logprobs[0]");
}
