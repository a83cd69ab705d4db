import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadShareGpt } from "../../src/datasets/sharegpt.js";
import { KittError } from "../../src/errors.js";
import { WordTokenCounter, words } from "./word-token-counter.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));
const small = fixture("sharegpt-small.json");
const usablePrompts = [
  "What is the capital of France, please?",
  'Write a haiku about "brackets" like [ and ] and {braces}.',
  "Explain what a token is in one sentence.",
  "List three primary colours for a child, with a short example each.",
  "Translate 'good morning' into Spanish and German, then French.",
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kitt-sharegpt-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<KittError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(KittError);
  return error as KittError;
}

function conversation(prompt: string, reply: string): object {
  return { conversations: [{ from: "human", value: prompt }, { from: "gpt", value: reply }] };
}

describe("loadShareGpt", () => {
  it("takes each conversation's first human turn and the reply after it, skipping the rest", async () => {
    const dataset = await loadShareGpt({ path: small, numPrompts: 5 }, new WordTokenCounter(1));
    expect(dataset.conversations).toBe(11);
    expect(dataset.repeated).toBe(0);
    expect(new Set(dataset.requests.map((request) => request.prompt))).toEqual(new Set(usablePrompts));
    const token = dataset.requests.find((request) => request.prompt.startsWith("Explain"));
    // 8 words + BOS; the reply "A token is a piece of text the model reads as one unit." is 13 words + BOS.
    expect(token).toEqual({ prompt: "Explain what a token is in one sentence.", promptTokens: 9, outputTokens: 14 });
  });

  it("counts conversations without a pair and pairs outside vLLM's limits, and repeats pairs when the file runs short", async () => {
    const dataset = await loadShareGpt({ path: small, numPrompts: 8 }, new WordTokenCounter(1));
    expect(dataset).toMatchObject({ conversations: 11, skipped: 4, filtered: 2, repeated: 3 });
    expect(dataset.requests).toHaveLength(8);
    expect(dataset.requests.slice(5)).toEqual(dataset.requests.slice(0, 3));
  });

  it("uses a fixed output length instead of the reply's, without the minimum-output check", async () => {
    const dataset = await loadShareGpt({ path: small, numPrompts: 6, outputTokens: 50 }, new WordTokenCounter(1));
    expect(dataset.requests.every((request) => request.outputTokens === 50)).toBe(true);
    expect(dataset.requests.map((request) => request.prompt)).toContain("Please answer with a single word: yes or no?");
    expect(dataset.filtered).toBe(1);
  });

  it("samples in an order fixed by the seed", async () => {
    const order = async (seed: number) =>
      (await loadShareGpt({ path: small, numPrompts: 5, seed }, new WordTokenCounter())).requests.map((request) => request.prompt);
    expect(await order(1)).toEqual(await order(1));
    const orders = new Set(await Promise.all([1, 2, 3, 4].map(async (seed) => (await order(seed)).join("|"))));
    expect(orders.size).toBeGreaterThan(1);
  });

  it("applies vLLM's length limits: prompt and output at least 4, prompt at most 1024, both at most 2048", async () => {
    const entries = [
      conversation(words(1023), words(20)), // 1024 + 21: kept
      conversation(words(1024), words(20)), // prompt 1025: too long
      conversation(words(1000), words(1048)), // 1001 + 1049 = 2050: too long together
      conversation(words(1000), words(1046)), // 1001 + 1047 = 2048: kept
      conversation(words(3), words(20)), // prompt 4: kept
      conversation(words(20), words(3)), // output 4: kept
      conversation(words(20), words(2)), // output 3: too short
    ];
    const path = join(dir, "limits.json");
    await writeFile(path, JSON.stringify(entries));
    const dataset = await loadShareGpt({ path, numPrompts: 4 }, new WordTokenCounter(1));
    expect(dataset.filtered).toBe(3);
    expect(new Set(dataset.requests.map((request) => `${request.promptTokens}+${request.outputTokens}`))).toEqual(
      new Set(["1024+21", "1001+1047", "4+21", "21+4"]),
    );
    const custom = await loadShareGpt({ path, numPrompts: 1, minTokens: 1, maxPromptTokens: 4, maxTotalTokens: 30 }, new WordTokenCounter(1));
    expect(custom.requests[0]).toMatchObject({ promptTokens: 4, outputTokens: 21 });
  });

  it("parses only the conversations it needs", async () => {
    const entries = Array.from({ length: 2_000 }, (_, index) => conversation(words(10, `p${index}-`), words(10)));
    const path = join(dir, "many.json");
    await writeFile(path, JSON.stringify(entries));
    const counter = new WordTokenCounter();
    const dataset = await loadShareGpt({ path, numPrompts: 10 }, counter);
    expect(dataset.requests).toHaveLength(10);
    expect(counter.encodedTexts).toBeLessThanOrEqual(64);
  });

  it("explains malformed files with the file and line", async () => {
    const counter = new WordTokenCounter();
    const notArray = await failure(loadShareGpt({ path: fixture("sharegpt-not-array.json"), numPrompts: 1 }, counter));
    expect(notArray.code).toBe("CONFIG_INVALID");
    expect(notArray.message).toMatch(/sharegpt-not-array\.json:1: expected a JSON array/);
    expect((await failure(loadShareGpt({ path: fixture("sharegpt-bad-element.json"), numPrompts: 1 }, counter))).message).toMatch(
      /sharegpt-bad-element\.json:3: unexpected '}'/,
    );
    expect((await failure(loadShareGpt({ path: fixture("sharegpt-cut-off.json"), numPrompts: 1 }, counter))).message).toMatch(
      /sharegpt-cut-off\.json:3: the JSON array is cut off/,
    );
    expect((await failure(loadShareGpt({ path: fixture("sharegpt-not-object.json"), numPrompts: 2 }, counter))).message).toMatch(
      /sharegpt-not-object\.json:3: a ShareGPT entry must be an object/,
    );
    expect((await failure(loadShareGpt({ path: join(dir, "absent.json"), numPrompts: 1 }, counter))).code).toBe("NOT_FOUND");
  });

  it("fails clearly when no conversation is usable, or the request makes no sense", async () => {
    const path = join(dir, "unusable.json");
    await writeFile(path, JSON.stringify([conversation("hi", "hello there my friend"), { conversations: [] }]));
    const error = await failure(loadShareGpt({ path, numPrompts: 3 }, new WordTokenCounter(1)));
    expect(error.message).toMatch(/no usable conversation among 2 \(1 without a human turn and a reply, 1 outside the limits/);
    expect((await failure(loadShareGpt({ path: small, numPrompts: 0 }, new WordTokenCounter()))).code).toBe("USAGE");
    expect((await failure(loadShareGpt({ path: small, numPrompts: 1, outputTokens: 0 }, new WordTokenCounter()))).code).toBe("USAGE");
  });
});
