/**
 * SGLang: its OpenAI route ignores `echo`, so the native `/generate` is used, in the body
 * lm-evaluation-harness's `sglang-generate` sends: `input_ids` (a list of id lists is one batch,
 * answered by a list of results in the same order), `return_logprob, logprob_start_len: 0,
 * top_logprobs_num: 1`. `meta_info.input_token_logprobs` is `[logprob, token_id, text]` per prompt
 * token (the first logprob null) and `input_top_logprobs` the best alternatives per position.
 */
import { KittError } from "../../errors.js";
import { asRecord } from "../../protocols/json-fields.js";
import { promptTokenList, type PromptTokens } from "./continuation-tokens.js";

export function sglangLoglikelihoodRequest(prompts: readonly (readonly number[])[]) {
  return {
    path: "/generate",
    body: {
      input_ids: prompts,
      sampling_params: { max_new_tokens: 1, temperature: 0 },
      logprob_start_len: 0,
      top_logprobs_num: 1,
      return_logprob: true,
    },
  };
}

/** Each prompt's tokens from a batched answer, in the order the prompts were sent. */
export function parseSglangBatchPromptTokens(response: unknown, count: number): PromptTokens[] {
  if (!Array.isArray(response) || response.length !== count) {
    throw new KittError("ENGINE_REQUEST_FAILED", `SGLang answered a batch of ${count} prompts with ${Array.isArray(response) ? `${response.length} results` : "no list"}`);
  }
  return response.map((result) => parseSglangPromptTokens(result));
}

export function parseSglangPromptTokens(response: unknown): PromptTokens {
  const meta = asRecord(asRecord(response)?.meta_info);
  const entries = meta?.input_token_logprobs;
  if (!Array.isArray(entries)) throw new KittError("ENGINE_REQUEST_FAILED", "SGLang answered without meta_info.input_token_logprobs");
  const top = Array.isArray(meta?.input_top_logprobs) ? meta.input_top_logprobs : [];
  const tokens = entries.map((entry: unknown, i) => {
    if (!Array.isArray(entry)) throw new KittError("ENGINE_REQUEST_FAILED", "SGLang input_token_logprobs entries must be [logprob, token_id, text]");
    const logprob = typeof entry[0] === "number" ? entry[0] : null;
    const best: unknown = Array.isArray(top[i]) ? top[i][0] : undefined;
    return { text: typeof entry[2] === "string" ? entry[2] : "", logprob, greedy: logprob === null || !Array.isArray(best) ? null : best[1] === entry[1] };
  });
  return promptTokenList(tokens);
}
