/** Fitting prompts into a context, on a one-id-per-word tokenizer that adds BOS (1), and EOS (2) where asked. */
import { describe, expect, it } from "vitest";
import { specialTokensOnce, type EngineTokenizer } from "../../../src/quality/engine/engine-tokenizer.js";
import { encodeLoglikelihoodPairs, fitPrompt, promptLimit } from "../../../src/quality/engine/prompt-window.js";

function wordTokenizer(options: { eos?: boolean } = {}) {
  const calls: { texts: readonly string[]; addSpecial: boolean }[] = [];
  const encode: EngineTokenizer["encode"] = async (texts, addSpecial) => {
    calls.push({ texts, addSpecial });
    return texts.map((text) => {
      const ids = (text.match(/\s*\S+/g) ?? []).map((word) => 100 + word.trim().length);
      return addSpecial ? [1, ...ids, ...(options.eos ? [2] : [])] : ids;
    });
  };
  const tokenizer: EngineTokenizer = { encode, specialTokens: specialTokensOnce(encode) };
  return { tokenizer, calls };
}

const words = (count: number) => Array.from({ length: count }, (_, i) => "w".repeat((i % 5) + 1)).join(" ");

describe("the context a prompt may use", () => {
  it("keeps one token for the generated one, and room for a generation's answer (the harness's max_length - 1 - max_gen_toks)", () => {
    expect(promptLimit({ truncate: "left", contextLength: 2048 }, 1)).toBe(2047);
    expect(promptLimit({ truncate: "left", contextLength: 2048 }, 1 + 256)).toBe(1791);
    expect(promptLimit({ truncate: "never", contextLength: 2048 }, 1)).toBeUndefined();
    expect(promptLimit({ truncate: "left", contextLength: undefined }, 1)).toBeUndefined();
  });
});

describe("text prompts", () => {
  it("go out as text when they fit, counted once with the engine's special tokens", async () => {
    const { tokenizer, calls } = wordTokenizer();
    expect(await fitPrompt(tokenizer, words(9), 10)).toEqual({ prompt: words(9), truncated: false });
    expect(calls).toEqual([{ texts: [words(9)], addSpecial: true }]);
  });

  it("go out as text without being counted when no tokenizer could make them reach the limit", async () => {
    const { tokenizer, calls } = wordTokenizer({ eos: true });
    // "w ww www": at most 9 tokens (a byte each, and a leading space), with BOS and EOS 11.
    expect(await fitPrompt(tokenizer, words(3), 11)).toEqual({ prompt: words(3), truncated: false });
    expect(await fitPrompt(tokenizer, "w ww", 11)).toEqual({ prompt: "w ww", truncated: false });
    // The special tokens were counted once, on a probe; the prompts never.
    expect(calls).toEqual([
      { texts: ["a"], addSpecial: true },
      { texts: ["a"], addSpecial: false },
    ]);
    // One token short of that bound, the prompt is counted: 5 tokens, which fit.
    calls.length = 0;
    expect(await fitPrompt(tokenizer, words(3), 10)).toEqual({ prompt: words(3), truncated: false });
    expect(calls).toEqual([{ texts: [words(3)], addSpecial: true }]);
  });

  it("go out as the BOS and the last ids when they do not", async () => {
    const { tokenizer } = wordTokenizer();
    const fitted = await fitPrompt(tokenizer, words(12), 10);
    expect(fitted.truncated).toBe(true);
    const [plain] = await tokenizer.encode([words(12)], false);
    expect(fitted.prompt).toEqual([1, ...plain!.slice(-9)]);
  });

  it("keep a special token the tokenizer puts after the text too", async () => {
    const { tokenizer } = wordTokenizer({ eos: true });
    const [plain] = await tokenizer.encode([words(12)], false);
    expect((await fitPrompt(tokenizer, words(12), 10)).prompt).toEqual([1, ...plain!.slice(-8), 2]);
  });

  it("go out whole without a tokenizer or a limit", async () => {
    expect(await fitPrompt(undefined, words(50), 10)).toEqual({ prompt: words(50), truncated: false });
    expect(await fitPrompt(wordTokenizer().tokenizer, words(50), undefined)).toEqual({ prompt: words(50), truncated: false });
  });
});

describe("log-likelihood requests", () => {
  it("hold the context's ids, then the whole's beyond them, cut from the left", async () => {
    const { tokenizer, calls } = wordTokenizer();
    const [request] = await encodeLoglikelihoodPairs(tokenizer, words(12), [" a bb"], { addBos: false, limit: 10 });
    const [whole] = await tokenizer.encode([`${words(12)} a bb`], false);
    expect(request).toEqual({ ids: whole!.slice(-10), continuationTokens: 2, truncated: true });
    // The context and every whole string in one call, without special tokens.
    expect(calls[0]).toEqual({ texts: [words(12), `${words(12)} a bb`], addSpecial: false });
  });

  it("refuse a continuation that leaves no room for context, or takes no tokens of its own", async () => {
    const { tokenizer } = wordTokenizer();
    await expect(encodeLoglikelihoodPairs(tokenizer, "q", [` ${words(10)}`], { addBos: false, limit: 10 })).rejects.toThrow(/leaves no context within 10 tokens/);
    await expect(encodeLoglikelihoodPairs(tokenizer, "q", ["   "], { addBos: false, limit: undefined })).rejects.toThrow(/takes no tokens of its own/);
  });
});
