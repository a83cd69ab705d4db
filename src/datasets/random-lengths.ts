/**
 * Per-request lengths for the random data set, by vLLM's rules: input and output lengths
 * uniform over the integers in [floor(L·(1−r)), ceil(L·(1+r))], output at least 1, and the
 * input target counting the special tokens the tokenizer adds (so the engine sees `L`).
 */
import { KittError } from "../errors.js";

export interface RandomLengthOptions {
  numPrompts: number;
  inputTokens: number;
  outputTokens: number;
  rangeRatio: number;
  prefixTokens: number;
  /** Special tokens the engine adds to every prompt (BOS: 1). */
  specialTokens: number;
}

export interface RandomLengths {
  /** Text tokens after the shared prefix, per request (no special tokens). */
  input: number[];
  output: number[];
  inputRange: [number, number];
  outputRange: [number, number];
}

export function sampleRandomLengths(options: RandomLengthOptions, random: () => number): RandomLengths {
  const { numPrompts, inputTokens, outputTokens, rangeRatio: ratio, prefixTokens, specialTokens } = options;
  const textTokens = Math.max(0, inputTokens - specialTokens);
  const inputRange: [number, number] = [Math.floor(textTokens * (1 - ratio)), Math.ceil(textTokens * (1 + ratio))];
  const outputRange: [number, number] = [
    Math.max(1, Math.floor(outputTokens * (1 - ratio))),
    Math.max(1, Math.ceil(outputTokens * (1 + ratio))),
  ];
  if (prefixTokens + inputRange[0] < 1) {
    throw new KittError(
      "USAGE",
      `random prompts could be empty: ${inputTokens} input tokens minus ${specialTokens} special token(s), ` +
        `±${ratio * 100}%, plus a ${prefixTokens}-token prefix; raise the input length or the prefix, or lower the range ratio`,
    );
  }
  const between = ([low, high]: [number, number]): number => low + Math.floor(random() * (high - low + 1));
  const input: number[] = [];
  const output: number[] = [];
  for (let i = 0; i < numPrompts; i++) {
    input.push(between(inputRange));
    output.push(between(outputRange));
  }
  return { input, output, inputRange, outputRange };
}
