/**
 * Engines return the log-probabilities of every prompt token; the continuation's are the trailing
 * tokens whose texts cover its characters (counted from the end, so a leading BOS token or any
 * prefix the engine adds does not matter). A token that straddles the context/continuation
 * boundary counts as continuation: lm-evaluation-harness tokenizes the two apart, so its sum can
 * differ there, which the harness's own trailing-space rule makes rare.
 */
import { KittError } from "../../errors.js";

export interface PromptToken {
  text: string;
  /** null for the first prompt token, which has no context. */
  logprob: number | null;
  /** Whether the token was the most likely at its position; null where the engine does not say. */
  greedy: boolean | null;
}

export interface ContinuationLogprob {
  /** Summed log-probability of the continuation's tokens given the context. */
  logprob: number;
  /** Whether every continuation token was the most likely one (the harness's `is_greedy`); null where unknown. */
  isGreedy: boolean | null;
  /** How many tokens the continuation took. */
  tokens: number;
}

export function continuationLogprob(promptTokens: readonly PromptToken[], continuation: string, engine: string): ContinuationLogprob {
  if (continuation.length === 0) throw new KittError("INTERNAL", "a continuation to score cannot be empty");
  let covered = 0;
  let first = promptTokens.length;
  while (covered < continuation.length && first > 0) covered += promptTokens[--first]!.text.length;
  if (covered < continuation.length) {
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine} returned prompt tokens shorter than the continuation "${continuation.slice(0, 40)}"`);
  }
  const chosen = promptTokens.slice(first);
  let logprob = 0;
  let isGreedy: boolean | null = true;
  for (const token of chosen) {
    if (token.logprob === null) throw new KittError("ENGINE_REQUEST_FAILED", `${engine} gave no log-probability for a continuation token`);
    logprob += token.logprob;
    if (token.greedy === null) isGreedy = null;
    else if (isGreedy !== null && !token.greedy) isGreedy = false;
  }
  return { logprob, isGreedy, tokens: chosen.length };
}
