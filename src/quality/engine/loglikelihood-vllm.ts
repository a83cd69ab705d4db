/**
 * vLLM: `/v1/completions` with `echo: true, logprobs: 1, max_tokens: 1` returns every prompt
 * token's log-probability (`token_logprobs`, the first null) and the top-1 alternatives per
 * position, followed by the one generated token. Prompts go as lists of token ids, several in one
 * batch (one choice per prompt, by `index`), in the body lm-evaluation-harness's
 * `local-completions` sends (`seed: 1234` included); each choice drops its last token, the one
 * generated.
 */
import { KittError } from "../../errors.js";
import { asRecord, numberField } from "../../protocols/json-fields.js";
import type { PromptTokens } from "./continuation-tokens.js";

/** lm-evaluation-harness's default `seed`, which its API models put in every request. */
const HARNESS_SEED = 1234;

export function vllmLoglikelihoodRequest(model: string, prompts: readonly (readonly number[])[]) {
  return { path: "/v1/completions", body: { model, prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, seed: HARNESS_SEED, echo: true } };
}

/** Each prompt's tokens from a batched answer, in the order the prompts were sent. */
export function parseVllmBatchPromptTokens(response: unknown, count: number): PromptTokens[] {
  const choices = asRecord(response)?.choices;
  if (!Array.isArray(choices) || choices.length !== count) {
    throw new KittError("ENGINE_REQUEST_FAILED", `vLLM answered a batch of ${count} prompts with ${Array.isArray(choices) ? choices.length : "no"} choices`);
  }
  const byIndex: PromptTokens[] = [];
  choices.forEach((choice, position) => {
    const index = numberField(asRecord(choice), "index") ?? position;
    byIndex[index] = choiceTokens(choice);
  });
  return Array.from({ length: count }, (_, i) => {
    const tokens = byIndex[i];
    if (tokens === undefined) throw new KittError("ENGINE_REQUEST_FAILED", `vLLM's batch answer has no choice with index ${i}`);
    return tokens;
  });
}

/** A choice's echoed prompt tokens; the last token listed is the one generated. */
function choiceTokens(choice: unknown): PromptTokens {
  const logprobs = asRecord(asRecord(choice)?.logprobs);
  const tokens = logprobs?.tokens;
  const values = logprobs?.token_logprobs;
  if (!Array.isArray(tokens) || !Array.isArray(values) || tokens.length !== values.length) {
    throw new KittError("ENGINE_REQUEST_FAILED", "vLLM answered without echoed prompt logprobs (choices[].logprobs.tokens/token_logprobs)");
  }
  const top = Array.isArray(logprobs?.top_logprobs) ? logprobs.top_logprobs : [];
  return {
    count: tokens.length - 1,
    at(i) {
      const logprob = typeof values[i] === "number" ? (values[i] as number) : null;
      const alternatives = asRecord(top[i]);
      const best = alternatives ? Math.max(...Object.values(alternatives).filter((v): v is number => typeof v === "number")) : undefined;
      return {
        text: String(tokens[i]),
        logprob,
        greedy: logprob === null || best === undefined || !Number.isFinite(best) ? null : logprob >= best,
      };
    },
  };
}
