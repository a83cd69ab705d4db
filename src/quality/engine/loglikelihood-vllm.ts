/**
 * vLLM: `/v1/completions` with `echo: true, logprobs: 1, max_tokens: 1` returns every prompt
 * token's log-probability (`token_logprobs`, the first null) and the top-1 alternatives per
 * position, followed by the one generated token (cut off by `usage.prompt_tokens`). A list of
 * prompts is one batch: one choice per prompt, by `index`, and `usage` summed over them, so each
 * choice drops its last token (the one generated; `max_tokens: 1`).
 */
import { KittError } from "../../errors.js";
import { asRecord, numberField } from "../../protocols/json-fields.js";
import type { PromptTokens } from "./continuation-tokens.js";

/** One prompt, or a list of them as one batch. */
export function vllmLoglikelihoodRequest(model: string, prompt: string | readonly string[]) {
  return { path: "/v1/completions", body: { model, prompt, echo: true, logprobs: 1, max_tokens: 1, temperature: 0 } };
}

export function parseVllmPromptTokens(response: unknown): PromptTokens {
  const json = asRecord(response);
  const choices = json?.choices;
  // Everything after the prompt is generated; without usage, the one generated token is last.
  return choiceTokens(Array.isArray(choices) ? choices[0] : undefined, numberField(asRecord(json?.usage), "prompt_tokens"));
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
    byIndex[index] = choiceTokens(choice, undefined);
  });
  return Array.from({ length: count }, (_, i) => {
    const tokens = byIndex[i];
    if (tokens === undefined) throw new KittError("ENGINE_REQUEST_FAILED", `vLLM's batch answer has no choice with index ${i}`);
    return tokens;
  });
}

function choiceTokens(choice: unknown, promptTokens: number | undefined): PromptTokens {
  const logprobs = asRecord(asRecord(choice)?.logprobs);
  const tokens = logprobs?.tokens;
  const values = logprobs?.token_logprobs;
  if (!Array.isArray(tokens) || !Array.isArray(values) || tokens.length !== values.length) {
    throw new KittError("ENGINE_REQUEST_FAILED", "vLLM answered without echoed prompt logprobs (choices[0].logprobs.tokens/token_logprobs)");
  }
  const top = Array.isArray(logprobs?.top_logprobs) ? logprobs.top_logprobs : [];
  return {
    count: Math.min(promptTokens ?? tokens.length - 1, tokens.length),
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
