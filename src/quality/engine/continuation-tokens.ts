/**
 * Engines return the log-probabilities of every prompt token. Sent as token ids, the
 * continuation is the known span of its ids (`tokenSpanLogprob`). Sent as text (TGI), it is the
 * trailing tokens whose texts cover its characters (counted from the end, so a leading BOS token
 * or any prefix the engine adds does not matter), and a token that straddles the
 * context/continuation boundary counts as continuation.
 */
import { KittError } from "../../errors.js";

export interface PromptToken {
  text: string;
  /** null for the first prompt token, which has no context. */
  logprob: number | null;
  /** Whether the token was the most likely at its position; null where the engine does not say. */
  greedy: boolean | null;
}

/**
 * An engine's prompt tokens, read on demand from the end: a 5-shot prompt has hundreds of tokens
 * and its continuation a few, so only those few become objects.
 */
export interface PromptTokens {
  readonly count: number;
  /** The token at `index`, 0 being the prompt's first. */
  at(index: number): PromptToken;
}

export function promptTokenList(tokens: readonly PromptToken[]): PromptTokens {
  return { count: tokens.length, at: (index) => tokens[index]! };
}

export interface ContinuationLogprob {
  /** Summed log-probability of the continuation's tokens given the context. */
  logprob: number;
  /** Whether every continuation token was the most likely one (the harness's `is_greedy`); null where unknown. */
  isGreedy: boolean | null;
  /** How many tokens the continuation took. */
  tokens: number;
  /** Whether the prompt lost its oldest tokens to fit the engine's context. */
  truncated: boolean;
}

export function continuationLogprob(promptTokens: PromptTokens, continuation: string, engine: string): ContinuationLogprob {
  if (continuation.length === 0) throw new KittError("INTERNAL", "a continuation to score cannot be empty");
  const chosen: PromptToken[] = [];
  let covered = 0;
  for (let index = promptTokens.count - 1; covered < continuation.length && index >= 0; index--) {
    const token = promptTokens.at(index);
    chosen.push(token);
    covered += token.text.length;
  }
  if (covered < continuation.length) {
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine} returned prompt tokens shorter than the continuation "${continuation.slice(0, 40)}"`);
  }
  return summed(chosen, engine);
}

/** The `count` prompt tokens from position `first` on: a continuation sent as ids. */
export function tokenSpanLogprob(promptTokens: PromptTokens, first: number, count: number, engine: string): ContinuationLogprob {
  if (promptTokens.count < first + count) {
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine} returned ${promptTokens.count} prompt tokens for a prompt of ${first + count} token ids`);
  }
  return summed(Array.from({ length: count }, (_, i) => promptTokens.at(first + i)), engine);
}

function summed(chosen: readonly PromptToken[], engine: string): ContinuationLogprob {
  let logprob = 0;
  let isGreedy: boolean | null = true;
  for (const token of chosen) {
    if (token.logprob === null) throw new KittError("ENGINE_REQUEST_FAILED", `${engine} gave no log-probability for a continuation token`);
    logprob += token.logprob;
    if (token.greedy === null) isGreedy = null;
    else if (isGreedy !== null && !token.greedy) isGreedy = false;
  }
  return { logprob, isGreedy, tokens: chosen.length, truncated: false };
}
