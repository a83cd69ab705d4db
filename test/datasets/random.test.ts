import { describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { sampleRandomLengths } from "../../src/datasets/random-lengths.js";
import { buildRandomDataset } from "../../src/datasets/random.js";
import { uniformSampler } from "../../src/models/seeded-random.js";
import { WordTokenCounter } from "./word-token-counter.js";

describe("random data set lengths (vLLM's rules)", () => {
  const base = { numPrompts: 20_000, outputTokens: 100, prefixTokens: 0, specialTokens: 1 };

  it("counts the special tokens in the input target and samples integers uniformly in [floor(L(1-r)), ceil(L(1+r))]", () => {
    const lengths = sampleRandomLengths({ ...base, inputTokens: 201, rangeRatio: 0.5 }, uniformSampler(1));
    expect(lengths.inputRange).toEqual([100, 300]);
    expect(lengths.outputRange).toEqual([50, 150]);
    expect(Math.min(...lengths.input)).toBe(100);
    expect(Math.max(...lengths.input)).toBe(300);
    const mean = lengths.input.reduce((sum, length) => sum + length, 0) / lengths.input.length;
    expect(mean).toBeGreaterThan(197);
    expect(mean).toBeLessThan(203);
    // Uniform: each fifth of the range holds about a fifth of the draws.
    for (let fifth = 0; fifth < 5; fifth++) {
      const inFifth = lengths.input.filter((length) => Math.min(4, Math.floor((length - 100) / 40.2)) === fifth).length;
      expect(inFifth / lengths.input.length).toBeGreaterThan(0.18);
      expect(inFifth / lengths.input.length).toBeLessThan(0.22);
    }
  });

  it("keeps outputs at 1 token or more, and every length exact when the ratio is 0", () => {
    const lengths = sampleRandomLengths({ ...base, inputTokens: 129, outputTokens: 1, rangeRatio: 0.9 }, uniformSampler(2));
    expect(lengths.outputRange).toEqual([1, 2]);
    const fixed = sampleRandomLengths({ ...base, inputTokens: 129, rangeRatio: 0 }, uniformSampler(2));
    expect(new Set(fixed.input)).toEqual(new Set([128]));
    expect(new Set(fixed.output)).toEqual(new Set([100]));
  });

  it("refuses settings that could give an empty prompt", () => {
    expect(() => sampleRandomLengths({ ...base, inputTokens: 1, rangeRatio: 0 }, uniformSampler(1))).toThrow(/could be empty/);
    expect(sampleRandomLengths({ ...base, inputTokens: 1, rangeRatio: 0, prefixTokens: 4 }, uniformSampler(1)).input[0]).toBe(0);
  });
});

describe("buildRandomDataset", () => {
  it("builds prompts of exactly the target length, special tokens included", async () => {
    const counter = new WordTokenCounter(1);
    const dataset = await buildRandomDataset({ numPrompts: 200, inputTokens: 64, outputTokens: 32, seed: 3 }, counter);
    expect(dataset.exactLengthHits).toBe(200);
    expect(dataset.requests).toHaveLength(200);
    for (const request of dataset.requests) {
      expect(request.promptTokens).toBe(64);
      expect(request.outputTokens).toBe(32);
      expect((await counter.encode([request.prompt]))[0]).toHaveLength(63);
    }
  });

  it("repeats itself for a seed and changes with it", async () => {
    const options = { numPrompts: 20, inputTokens: 40, outputTokens: 16, rangeRatio: 0.5 };
    const first = await buildRandomDataset({ ...options, seed: 7 }, new WordTokenCounter());
    const again = await buildRandomDataset({ ...options, seed: 7 }, new WordTokenCounter());
    const other = await buildRandomDataset({ ...options, seed: 8 }, new WordTokenCounter());
    expect(again.requests).toEqual(first.requests);
    expect(other.requests.map((request) => request.prompt)).not.toEqual(first.requests.map((request) => request.prompt));
  });

  it("puts one shared prefix in front of every prompt, and nothing else in common at their starts", async () => {
    const dataset = await buildRandomDataset({ numPrompts: 50, inputTokens: 33, outputTokens: 8, prefixTokens: 10, seed: 1 }, new WordTokenCounter(1));
    const prefixes = new Set(dataset.requests.map((request) => request.prompt.split(" ").slice(0, 10).join(" ")));
    expect(prefixes.size).toBe(1);
    const afterPrefix = new Set(dataset.requests.map((request) => request.prompt.split(" ").slice(10, 13).join(" ")));
    expect(afterPrefix.size).toBe(50);
    expect(dataset.requests.every((request) => request.promptTokens === 10 + 33)).toBe(true);
  });

  it("gives every prompt its own start even when the prompts need more text than the pool holds", async () => {
    const dataset = await buildRandomDataset({ numPrompts: 700, inputTokens: 400, outputTokens: 1, seed: 2 }, new WordTokenCounter(0));
    expect(dataset.exactLengthHits).toBe(700);
    expect(new Set(dataset.requests.map((request) => request.prompt.split(" ").slice(0, 4).join(" "))).size).toBe(700);
  });

  it("needs a counter that can decode, and sensible settings", async () => {
    const noDecode = new WordTokenCounter(1, false);
    await expect(buildRandomDataset({ numPrompts: 1, inputTokens: 8, outputTokens: 8 }, noDecode)).rejects.toThrow(/cannot decode ids; pass --tokenizer/);
    const counter = new WordTokenCounter();
    for (const bad of [{ rangeRatio: 1 }, { rangeRatio: -0.1 }, { numPrompts: 0 }, { inputTokens: 2.5 }, { prefixTokens: -1 }]) {
      const error = await buildRandomDataset({ numPrompts: 1, inputTokens: 8, outputTokens: 8, ...bad }, counter).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KittError);
      expect((error as KittError).code).toBe("USAGE");
    }
  });
});
