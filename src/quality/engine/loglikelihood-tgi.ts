/**
 * TGI: `/generate` with `decoder_input_details: true, details: true` returns the prompt tokens
 * as `details.prefill[{id, text, logprob}]` (the first logprob null). TGI gives no alternatives
 * for prompt positions, so whether a continuation is greedy is unknown.
 */
import { KittError } from "../../errors.js";
import { asRecord } from "../../protocols/json-fields.js";
import { promptTokenList, type PromptTokens } from "./continuation-tokens.js";

export function tgiLoglikelihoodRequest(prompt: string) {
  return {
    path: "/generate",
    body: { inputs: prompt, parameters: { max_new_tokens: 1, details: true, decoder_input_details: true, do_sample: false } },
  };
}

export function parseTgiPromptTokens(response: unknown): PromptTokens {
  const prefill = asRecord(asRecord(response)?.details)?.prefill;
  if (!Array.isArray(prefill)) throw new KittError("ENGINE_REQUEST_FAILED", "TGI answered without details.prefill (decoder_input_details)");
  const tokens = prefill.map((value: unknown) => {
    const token = asRecord(value);
    if (typeof token?.text !== "string") throw new KittError("ENGINE_REQUEST_FAILED", "TGI prefill tokens must have a text");
    return { text: token.text, logprob: typeof token.logprob === "number" ? token.logprob : null, greedy: null };
  });
  return promptTokenList(tokens);
}
