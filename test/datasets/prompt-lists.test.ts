import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadFixedPrompts } from "../../src/datasets/fixed-prompts.js";
import { loadJsonlPrompts } from "../../src/datasets/jsonl-prompts.js";
import { DEFAULT_OUTPUT_TOKENS } from "../../src/datasets/prompt-entries.js";
import { KittError } from "../../src/errors.js";
import { WordTokenCounter } from "./word-token-counter.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

async function failure(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

describe("JSONL prompts", () => {
  it("reads every prompt in order, with its own output length or the data set's", async () => {
    const { requests, repeated } = await loadJsonlPrompts({ path: fixture("prompts.jsonl"), outputTokens: 32 }, new WordTokenCounter(1));
    expect(repeated).toBe(0);
    expect(requests).toEqual([
      { prompt: "Summarise the plot of a detective story in two sentences.", promptTokens: 11, outputTokens: 64 },
      { prompt: "Name four planets of the solar system.", promptTokens: 8, outputTokens: 32 },
      { prompt: "Write a limerick about a cat who learns to code.", promptTokens: 11, outputTokens: 128 },
      { prompt: "Explain why the sky is blue to a ten year old.", promptTokens: 12, outputTokens: 32 },
    ]);
    const defaults = await loadJsonlPrompts({ path: fixture("prompts.jsonl") }, new WordTokenCounter(1));
    expect(defaults.requests[1]?.outputTokens).toBe(DEFAULT_OUTPUT_TOKENS);
  });

  it("samples --num-prompts with a seed, cycling through all prompts when asked for more", async () => {
    const counter = new WordTokenCounter();
    const sample = async (numPrompts: number, seed: number) =>
      (await loadJsonlPrompts({ path: fixture("prompts.jsonl"), numPrompts, seed }, counter)).requests.map((request) => request.prompt);
    expect(await sample(3, 5)).toEqual(await sample(3, 5));
    expect(new Set(await sample(3, 5)).size).toBe(3);
    const ten = await loadJsonlPrompts({ path: fixture("prompts.jsonl"), numPrompts: 10, seed: 1 }, counter);
    expect(ten.requests).toHaveLength(10);
    expect(ten.repeated).toBe(6);
    // Each pass uses every prompt once.
    expect(new Set(ten.requests.slice(0, 4).map((request) => request.prompt)).size).toBe(4);
    expect(new Set(ten.requests.slice(4, 8).map((request) => request.prompt)).size).toBe(4);
  });

  it("names the file and line of a bad line", async () => {
    const counter = new WordTokenCounter();
    const badJson = await failure(loadJsonlPrompts({ path: fixture("prompts-bad-json.jsonl") }, counter));
    expect(badJson.code).toBe("CONFIG_INVALID");
    expect(badJson.message).toMatch(/prompts-bad-json\.jsonl:3: not valid JSON/);
    expect((await failure(loadJsonlPrompts({ path: fixture("prompts-no-prompt.jsonl") }, counter))).message).toMatch(
      /prompts-no-prompt\.jsonl:3: "prompt" must be a non-empty string/,
    );
    expect((await failure(loadJsonlPrompts({ path: fixture("prompts-bad-output.jsonl") }, counter))).message).toMatch(
      /prompts-bad-output\.jsonl:3: "output_tokens" must be a positive integer, got 0/,
    );
    expect((await failure(loadJsonlPrompts({ path: fixture("sharegpt-small.json") }, counter))).message).toMatch(/sharegpt-small\.json:1: /);
    expect((await failure(loadJsonlPrompts({ path: fixture("absent.jsonl") }, counter))).code).toBe("NOT_FOUND");
    expect((await failure(loadJsonlPrompts({ path: fixture("prompts.jsonl"), numPrompts: 0 }, counter))).code).toBe("USAGE");
  });
});

describe("fixed prompts", () => {
  it("measures each prompt once and repeats them as asked", async () => {
    const counter = new WordTokenCounter(1);
    const { requests, repeated } = await loadFixedPrompts({ prompts: ["one two three", "four five"], numPrompts: 5, outputTokens: 7 }, counter);
    expect(requests).toHaveLength(5);
    expect(repeated).toBe(3);
    expect(counter.encodedTexts).toBe(2);
    expect(requests.find((request) => request.prompt === "one two three")).toEqual({ prompt: "one two three", promptTokens: 4, outputTokens: 7 });
  });

  it("keeps the given order when no count is asked for", async () => {
    const { requests } = await loadFixedPrompts({ prompts: ["b b", "a", "c c c"] }, new WordTokenCounter(0));
    expect(requests.map((request) => [request.prompt, request.promptTokens, request.outputTokens])).toEqual([
      ["b b", 2, DEFAULT_OUTPUT_TOKENS],
      ["a", 1, DEFAULT_OUTPUT_TOKENS],
      ["c c c", 3, DEFAULT_OUTPUT_TOKENS],
    ]);
  });

  it("refuses an empty list or an empty prompt", async () => {
    expect((await failure(loadFixedPrompts({ prompts: [] }, new WordTokenCounter()))).message).toMatch(/prompt list is empty/);
    const empty = await failure(loadFixedPrompts({ prompts: ["fine", ""] }, new WordTokenCounter()));
    expect(empty).toMatchObject({ code: "USAGE", message: "prompt 2 of the list is empty" });
  });
});
