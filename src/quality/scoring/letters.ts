/**
 * Lettered scoring. From one generated token's top-k log-probabilities: each letter's entry
 * (token text trimmed, so " A" counts as "A"; the best entry when several trim to it), a letter
 * missing from the top-k is −∞, and the highest letter is the answer (exact when each letter is
 * one token). From a generation: the first line, stripped, compared with the gold letter by
 * exact_match ignoring case and punctuation (so "A." is right and "A. 0" is wrong).
 */
import { exactMatch } from "./exact-match.js";
import { argmax } from "./multiple-choice.js";
import { regexFilter } from "./regex-filter.js";

export interface TopLogprob {
  token: string;
  logprob: number;
}

export function letterLogprobs(topLogprobs: readonly TopLogprob[], letters: readonly string[]): number[] {
  return letters.map((letter) =>
    topLogprobs.reduce((best, entry) => (entry.token.trim() === letter && entry.logprob > best ? entry.logprob : best), -Infinity),
  );
}

/** 1 when the gold letter has the highest log-probability; 0 when it does not or no letter appears. */
export function topKLetterAcc(topLogprobs: readonly TopLogprob[], letters: readonly string[], gold: number): number {
  const scores = letterLogprobs(topLogprobs, letters);
  if (scores.every((score) => score === -Infinity)) return 0;
  return argmax(scores) === gold ? 1 : 0;
}

/** The harness's MMLU generative filter chain (first line, then whitespace off both ends): the regex filter strips. */
export function firstLine(response: string): string {
  return regexFilter(response, "^(.*?)(?=\\n|$)");
}

export function generatedLetterAcc(response: string, goldLetter: string): number {
  return exactMatch(firstLine(response), goldLetter, { ignoreCase: true, ignorePunctuation: true });
}
