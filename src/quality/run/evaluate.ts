/**
 * One document, one method: ask the engine, score with the task's scoring functions, and keep
 * what the engine said. A document's continuations are asked together (one batched request
 * where the engine takes one); a continuation asked for twice (mc1's answers are among mc2's)
 * is asked once.
 */
import type { QualityEngine } from "../engine/quality-engine.js";
import { generatedLetterAcc, letterLogprobs, topKLetterAcc } from "../scoring/letters.js";
import type { LetteredItem } from "../prompts/types.js";

export interface ContextLoglikelihoods {
  of(continuations: readonly string[]): Promise<number[]>;
  /** Whether a request so far had its prompt cut to fit the engine's context. */
  truncated(): boolean;
}

/** Log-likelihoods of continuations after one context, remembered per continuation. */
export function loglikelihoodsAfter(engine: QualityEngine, context: string, signal: AbortSignal): ContextLoglikelihoods {
  const known = new Map<string, number>();
  let truncated = false;
  return {
    async of(continuations) {
      const missing = [...new Set(continuations.filter((continuation) => !known.has(continuation)))];
      if (missing.length > 0) {
        const results = await engine.loglikelihoods(context, missing, signal);
        missing.forEach((continuation, i) => known.set(continuation, results[i]!.logprob));
        truncated ||= results.some((result) => result.truncated);
      }
      return continuations.map((continuation) => known.get(continuation)!);
    },
    truncated: () => truncated,
  };
}

/** JSON has no −∞: a letter missing from the top-k is written as null. */
function finiteOrNull(values: readonly number[]): (number | null)[] {
  return values.map((value) => (Number.isFinite(value) ? value : null));
}

export async function topKLetters(engine: QualityEngine, item: LetteredItem, k: number, signal: AbortSignal) {
  const { top, truncated } = await engine.firstTokenTopK(item.prompt, k, signal, item.letters);
  return { score: topKLetterAcc(top, item.letters, item.gold), letterLogprobs: finiteOrNull(letterLogprobs(top, item.letters)), truncated };
}

export async function letteredGeneration(engine: QualityEngine, item: LetteredItem, signal: AbortSignal) {
  const { text, truncated } = await engine.generate(item.prompt, item.stop, signal);
  return { score: generatedLetterAcc(text, item.letters[item.gold]!), response: text, truncated };
}
