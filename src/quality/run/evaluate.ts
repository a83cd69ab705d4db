/**
 * One document, one method: ask the engine, score with the task's scoring functions, and keep
 * what the engine said. Log-likelihood requests of one document go one after another (the runner
 * already keeps the engine busy with several documents); a continuation asked for twice (mc1's
 * answers are among mc2's) is asked once.
 */
import type { QualityEngine } from "../engine/quality-engine.js";
import { generatedLetterAcc, letterLogprobs, topKLetterAcc } from "../scoring/letters.js";
import type { LetteredItem } from "../tasks/types.js";

export type Loglikelihoods = (continuations: readonly string[]) => Promise<number[]>;

/** Log-likelihoods of continuations after one context, remembered per continuation. */
export function loglikelihoodsAfter(engine: QualityEngine, context: string, signal: AbortSignal): Loglikelihoods {
  const known = new Map<string, number>();
  return async (continuations) => {
    const values: number[] = [];
    for (const continuation of continuations) {
      let value = known.get(continuation);
      if (value === undefined) {
        value = (await engine.loglikelihood(context, continuation, signal)).logprob;
        known.set(continuation, value);
      }
      values.push(value);
    }
    return values;
  };
}

/** JSON has no −∞: a letter missing from the top-k is written as null. */
function finiteOrNull(values: readonly number[]): (number | null)[] {
  return values.map((value) => (Number.isFinite(value) ? value : null));
}

export async function topKLetters(engine: QualityEngine, item: LetteredItem, k: number, signal: AbortSignal) {
  const top = await engine.firstTokenTopK(item.prompt, k, signal, item.letters);
  return { score: topKLetterAcc(top, item.letters, item.gold), letterLogprobs: finiteOrNull(letterLogprobs(top, item.letters)) };
}

export async function letteredGeneration(engine: QualityEngine, item: LetteredItem, signal: AbortSignal) {
  const response = await engine.generate(item.prompt, item.stop, signal);
  return { score: generatedLetterAcc(response, item.letters[item.gold]!), response };
}
