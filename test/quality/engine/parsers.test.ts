/** Request shapes and answer parsing for every engine family, on recorded answer shapes. */
import { describe, expect, it } from "vitest";
import { continuationLogprob, tokenSpanLogprob, type PromptTokens } from "../../../src/quality/engine/continuation-tokens.js";
import { cutAtStop } from "../../../src/quality/engine/greedy.js";
import { parseSglangPromptTokens, sglangLoglikelihoodRequest } from "../../../src/quality/engine/loglikelihood-sglang.js";
import { parseTgiPromptTokens, tgiLoglikelihoodRequest } from "../../../src/quality/engine/loglikelihood-tgi.js";
import { parseVllmBatchPromptTokens, vllmLoglikelihoodRequest } from "../../../src/quality/engine/loglikelihood-vllm.js";
import { topKRequest } from "../../../src/quality/engine/top-k.js";
import { parseLlamaCppTopK, parseOllamaTopK, parseOpenAITopK, parseTgiTopK } from "../../../src/quality/engine/top-k-parsers.js";
import { KittError } from "../../../src/errors.js";
import * as shapes from "./recorded-shapes.js";

const listed = (tokens: PromptTokens) => Array.from({ length: tokens.count }, (_, i) => tokens.at(i));
const parseVllmPromptTokens = (answer: unknown) => parseVllmBatchPromptTokens(Buffer.from(JSON.stringify(answer)), 1)[0]!;

describe("prompt log-likelihood requests", () => {
  it("vLLM: token-id prompts echoed with logprobs and one token on /v1/completions, as the harness's local-completions sends them", () => {
    expect(vllmLoglikelihoodRequest("m", [[673, 29901, 319]])).toEqual({
      path: "/v1/completions",
      body: { model: "m", prompt: [[673, 29901, 319]], temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true },
    });
  });

  it("SGLang: native /generate from the first prompt token, as the harness's sglang-generate sends it", () => {
    expect(sglangLoglikelihoodRequest([[673, 29901, 319]])).toEqual({
      path: "/generate",
      body: { input_ids: [[673, 29901, 319]], sampling_params: { max_new_tokens: 1, temperature: 0 }, logprob_start_len: 0, top_logprobs_num: 1, return_logprob: true },
    });
  });

  it("TGI: /generate with decoder_input_details", () => {
    expect(tgiLoglikelihoodRequest("Answer: A")).toEqual({
      path: "/generate",
      body: { inputs: "Answer: A", parameters: { max_new_tokens: 1, details: true, decoder_input_details: true, do_sample: false } },
    });
  });
});

describe("continuation log-likelihoods from recorded answers", () => {
  it("vLLM: sums the continuation's tokens, drops the generated one, and tells greedy from not", () => {
    const tokens = parseVllmPromptTokens(shapes.VLLM_ECHO);
    expect(listed(tokens).map((t) => t.text)).toEqual(["<s>", "Answer", ":", " A"]);
    expect(continuationLogprob(tokens, " A", "vLLM")).toEqual({ logprob: -1.5, isGreedy: false, tokens: 1, truncated: false });
    expect(continuationLogprob(tokens, ": A", "vLLM")).toEqual({ logprob: -1.75, isGreedy: false, tokens: 2, truncated: false });
    expect(listed(tokens).map((t) => t.greedy)).toEqual([null, false, true, false]);
    // Sent as ids, the continuation is its span: the last token of four.
    expect(tokenSpanLogprob(tokens, 3, 1, "vLLM")).toEqual({ logprob: -1.5, isGreedy: false, tokens: 1, truncated: false });
    expect(() => tokenSpanLogprob(tokens, 3, 2, "vLLM")).toThrow(/returned 4 prompt tokens for a prompt of 5 token ids/);
  });

  it("vLLM: reads the answer in place the same whatever its layout or key order, and refuses one that is not JSON", () => {
    const expected = listed(parseVllmPromptTokens(shapes.VLLM_ECHO));
    const [choice] = shapes.VLLM_ECHO.choices;
    const { tokens, token_logprobs, top_logprobs, text_offset } = choice!.logprobs;
    // Keys in another order, a field kitt does not read holding brackets and quotes, pretty-printed.
    const reordered = {
      usage: shapes.VLLM_ECHO.usage,
      choices: [{ logprobs: { top_logprobs, tokens, text_offset, token_logprobs }, finish_reason: "length", text: 'a "]}" b', index: 0 }],
    };
    for (const body of [JSON.stringify(reordered), JSON.stringify(reordered, null, 2)]) {
      expect(listed(parseVllmBatchPromptTokens(Buffer.from(body), 1)[0]!)).toEqual(expected);
    }
    // Choices come back in any order; each is placed by its index.
    const two = { choices: [{ ...choice, index: 1, logprobs: { ...choice!.logprobs, token_logprobs: [null, -1, -2, -3, -4] } }, choice] };
    const [first, second] = parseVllmBatchPromptTokens(Buffer.from(JSON.stringify(two)), 2);
    expect(listed(first!)).toEqual(expected);
    expect(listed(second!).map((token) => token.logprob)).toEqual([null, -1, -2, -3]);
    expect(() => parseVllmBatchPromptTokens(Buffer.from(JSON.stringify(shapes.VLLM_ECHO).slice(0, -20)), 1)).toThrow(/vLLM answered \/v1\/completions with something that is not JSON/);
    expect(() => parseVllmBatchPromptTokens(Buffer.from(JSON.stringify({ choices: [] })), 1)).toThrow(/a batch of 1 prompts with 0 choices/);
    expect(() => parseVllmBatchPromptTokens(Buffer.from("[]"), 1)).toThrow(/with no choices/);
  });

  it("SGLang: reads [logprob, id, text] entries and the top alternatives", () => {
    const tokens = parseSglangPromptTokens(shapes.SGLANG_GENERATE);
    expect(continuationLogprob(tokens, " A", "SGLang")).toEqual({ logprob: -1.5, isGreedy: true, tokens: 1, truncated: false });
    expect(continuationLogprob(tokens, "Answer: A", "SGLang")).toEqual({ logprob: -7.25, isGreedy: false, tokens: 3, truncated: false });
  });

  it("TGI: reads the prefill; greedy is unknown", () => {
    const tokens = parseTgiPromptTokens(shapes.TGI_GENERATE);
    expect(continuationLogprob(tokens, " A", "TGI")).toEqual({ logprob: -1.5, isGreedy: null, tokens: 1, truncated: false });
  });

  it("refuses a continuation that reaches the first token, or answers without prompt logprobs", () => {
    const tokens = parseTgiPromptTokens(shapes.TGI_GENERATE);
    expect(() => continuationLogprob(tokens, "<s>Answer: A", "TGI")).toThrow(KittError);
    expect(() => continuationLogprob(tokens, "x".repeat(40), "TGI")).toThrow(/shorter than the continuation/);
    expect(() => parseVllmPromptTokens({ choices: [{ text: "", logprobs: null }] })).toThrow(/echoed prompt logprobs/);
    expect(() => parseSglangPromptTokens({ text: "", meta_info: {} })).toThrow(/input_token_logprobs/);
  });
});

describe("first-token top-k", () => {
  it("asks each engine on its own route", () => {
    expect(topKRequest("llama_cpp", "m", "Q", 20)).toMatchObject({ path: "/completion", body: { prompt: "Q", n_predict: 1, n_probs: 20, temperature: 0 } });
    expect(topKRequest("vllm", "m", "Q", 20)).toMatchObject({ path: "/v1/completions", body: { model: "m", prompt: "Q", max_tokens: 1, logprobs: 20 } });
    expect(topKRequest("tgi", "m", "Q", 20)).toMatchObject({ path: "/generate", body: { inputs: "Q", parameters: { top_n_tokens: 5, max_new_tokens: 1 } } });
    expect(topKRequest("ollama", "m", "Q", 20)).toMatchObject({
      path: "/api/generate",
      body: { model: "m", prompt: "Q", raw: true, stream: false, logprobs: true, top_logprobs: 20, options: { num_predict: 1 } },
    });
  });

  it("parses every answer shape into {token, logprob}", () => {
    expect(parseOpenAITopK(shapes.OPENAI_TOP_K_LEGACY)).toEqual([
      { token: " A", logprob: -0.1 },
      { token: " B", logprob: -2.5 },
      { token: "C", logprob: -3 },
    ]);
    const llamaPair = [
      { token: " B", logprob: -0.2 },
      { token: " A", logprob: -1.9 },
    ];
    expect(parseOpenAITopK(shapes.LLAMA_CPP_OPENAI_TOP_K)).toEqual(llamaPair);
    expect(parseLlamaCppTopK(shapes.LLAMA_CPP_NATIVE_TOP_K)).toEqual(llamaPair);
    // With post_sampling_probs, llama.cpp answers probabilities under `top_probs`.
    expect(
      parseLlamaCppTopK({ completion_probabilities: [{ id: 319, token: " A", prob: 0.25, top_probs: [{ id: 319, token: " A", prob: 0.5 }, { id: 350, token: " B", prob: 0.25 }] }] }),
    ).toEqual([
      { token: " A", logprob: Math.log(0.5) },
      { token: " B", logprob: Math.log(0.25) },
    ]);
    expect(parseLlamaCppTopK(shapes.LLAMA_CPP_NATIVE_TOP_K_OLD)).toEqual([
      { token: " B", logprob: Math.log(0.5) },
      { token: " A", logprob: Math.log(0.25) },
    ]);
    expect(parseTgiTopK(shapes.TGI_GENERATE)).toEqual([
      { token: " A", logprob: -0.1 },
      { token: " B", logprob: -2.5 },
    ]);
    expect(parseOllamaTopK(shapes.OLLAMA_TOP_K)).toEqual([
      { token: " C", logprob: -0.3 },
      { token: " D", logprob: -1.4 },
    ]);
    expect(() => parseOllamaTopK({ response: "x", done: true })).toThrow(/no top log-probabilities/);
  });
});

describe("greedy generation", () => {
  it("cuts at the first stop sequence, whichever comes first", () => {
    expect(cutAtStop(" 42\n\nQuestion: next", ["Question:", "\n\n"])).toBe(" 42");
    expect(cutAtStop("no stop here", ["Q:"])).toBe("no stop here");
  });
});
