/**
 * vLLM: `/v1/completions` with `echo: true, logprobs: 1, max_tokens: 1` returns every prompt
 * token's log-probability (`token_logprobs`, the first null) and the top-1 alternatives per
 * position, followed by the one generated token (cut off by `usage.prompt_tokens`).
 */
import { KittError } from "../../errors.js";
import { asRecord, numberField } from "../../protocols/json-fields.js";
import type { PromptToken } from "./continuation-tokens.js";

export function vllmLoglikelihoodRequest(model: string, prompt: string) {
  return { path: "/v1/completions", body: { model, prompt, echo: true, logprobs: 1, max_tokens: 1, temperature: 0 } };
}

export function parseVllmPromptTokens(response: unknown): PromptToken[] {
  const json = asRecord(response);
  const choices = json?.choices;
  const logprobs = asRecord(Array.isArray(choices) ? asRecord(choices[0])?.logprobs : undefined);
  const tokens = logprobs?.tokens;
  const values = logprobs?.token_logprobs;
  if (!Array.isArray(tokens) || !Array.isArray(values) || tokens.length !== values.length) {
    throw new KittError("ENGINE_REQUEST_FAILED", "vLLM answered without echoed prompt logprobs (choices[0].logprobs.tokens/token_logprobs)");
  }
  const top = Array.isArray(logprobs?.top_logprobs) ? logprobs.top_logprobs : [];
  // Everything after the prompt is generated; without usage, the one generated token is last.
  const promptCount = numberField(asRecord(json?.usage), "prompt_tokens") ?? tokens.length - 1;
  return tokens.slice(0, promptCount).map((text, i) => {
    const logprob = typeof values[i] === "number" ? (values[i] as number) : null;
    const alternatives = asRecord(top[i]);
    const best = alternatives ? Math.max(...Object.values(alternatives).filter((v): v is number => typeof v === "number")) : undefined;
    return {
      text: String(text),
      logprob,
      greedy: logprob === null || best === undefined || !Number.isFinite(best) ? null : logprob >= best,
    };
  });
}
