import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadServeDataset, needsDecode } from "../../src/datasets/index.js";
import { WordTokenCounter } from "./word-token-counter.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

describe("loadServeDataset", () => {
  it("builds each kind and reports how preparing it went", async () => {
    const counter = new WordTokenCounter(1);
    const random = await loadServeDataset({ kind: "random", numPrompts: 10, inputTokens: 20, outputTokens: 5 }, counter);
    expect(random.requests).toHaveLength(10);
    expect(random.stats).toMatchObject({
      kind: "random",
      token_source: "tokenizer.json",
      token_counter: "one token per word",
      requests: 10,
      total_prompt_tokens: 200,
      total_output_tokens: 50,
      exact_length_hits: 10,
      skipped: 0,
      filtered: 0,
      repeated: 0,
    });
    expect(random.stats.prepare_ms).toBeGreaterThan(0);

    const sharegpt = await loadServeDataset({ kind: "sharegpt", path: fixture("sharegpt-small.json"), numPrompts: 6 }, counter);
    expect(sharegpt.stats).toMatchObject({ kind: "sharegpt", requests: 6, exact_length_hits: null, skipped: 4, filtered: 2, repeated: 1 });

    const jsonl = await loadServeDataset({ kind: "jsonl", path: fixture("prompts.jsonl") }, counter);
    expect(jsonl.stats).toMatchObject({ kind: "jsonl", requests: 4, total_prompt_tokens: 42, exact_length_hits: null });

    const prompts = await loadServeDataset({ kind: "prompts", prompts: ["a b", "c"], numPrompts: 3, outputTokens: 2 }, counter);
    expect(prompts.stats).toMatchObject({ kind: "prompts", requests: 3, total_output_tokens: 6, repeated: 1 });
  });

  it("knows which kinds build prompts from token ids", () => {
    expect(needsDecode({ kind: "random" })).toBe(true);
    expect(needsDecode({ kind: "sharegpt" })).toBe(false);
    expect(needsDecode({ kind: "jsonl" })).toBe(false);
    expect(needsDecode({ kind: "prompts" })).toBe(false);
  });
});
