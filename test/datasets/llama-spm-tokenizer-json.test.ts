/**
 * The tokenizer.json counter on a real vocabulary: llama's SentencePiece one, converted from
 * the tokenizer-only GGUF in llama.cpp's source (its agreement with llama-server's own
 * /tokenize is checked in llama-server-datasets.test.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServeDataset } from "../../src/datasets/index.js";
import { loadTokenizerJson, type TokenizerJsonCounter } from "../../src/datasets/tokenizers/tokenizer-json-counter.js";
import { requireVocabFile } from "../support/llama.js";
import { writeLlamaSpmTokenizerJson } from "./llama-spm-tokenizer-json.js";

const vocabFile = await requireVocabFile();

describe.skipIf(!vocabFile)("a tokenizer.json for llama's SentencePiece vocabulary", () => {
  let dir: string;
  let counter: TokenizerJsonCounter;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kitt-spm-tokenizer-"));
    counter = await loadTokenizerJson(await writeLlamaSpmTokenizerJson(vocabFile as string, dir));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("tokenizes like llama's tokenizer: BOS in front, bytes for characters outside the vocabulary", async () => {
    expect(await counter.encode(["Hello world"])).toEqual([[15043, 3186]]);
    expect(await counter.specialTokens()).toBe(1);
    const texts = ["naïve café 日本語 🦙", "line one\nline two", "a  b"];
    expect(await counter.decode(await counter.encode(texts))).toEqual(texts);
  });

  it("builds 500 random prompts of exactly 128 tokens", async () => {
    const { requests, stats } = await loadServeDataset({ kind: "random", numPrompts: 500, inputTokens: 128, outputTokens: 16, seed: 5 }, counter);
    expect(stats.token_source).toBe("tokenizer.json");
    expect(stats.exact_length_hits).toBe(500);
    // Pure-JS tokenization is some ten times slower than an engine's endpoint; still seconds.
    expect(stats.prepare_ms).toBeLessThan(15_000);
    const encoded = await counter.encode(requests.map((request) => request.prompt));
    expect(encoded.filter((ids) => ids.length !== 127)).toEqual([]);
  });
});
