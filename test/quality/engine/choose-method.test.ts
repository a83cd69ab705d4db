/** Which method each task uses on each engine, and which forced methods are refused. */
import { describe, expect, it } from "vitest";
import { engines } from "../../../src/engines/registry.js";
import { chooseMethod, usesLetteredFallback } from "../../../src/quality/engine/choose-method.js";

const NONE = { promptLogprobs: false, topLogprobs: false };

describe("chooseMethod", () => {
  it("uses log-likelihoods where prompt logprobs exist (vLLM, SGLang, TGI)", () => {
    for (const name of ["vllm", "sglang", "tgi"] as const) {
      const caps = engines[name].capabilities;
      expect([chooseMethod("mmlu", caps), chooseMethod("truthfulqa", caps), chooseMethod("hellaswag", caps)]).toEqual([
        "loglikelihood",
        "loglikelihood",
        "loglikelihood",
      ]);
      expect(chooseMethod("gsm8k", caps)).toBe("generation");
    }
  });

  it("uses top-k letters, and lettered fallbacks, on llama.cpp, Ollama and TabbyAPI", () => {
    for (const name of ["llama_cpp", "ollama", "exllamav2"] as const) {
      const caps = engines[name].capabilities;
      expect(chooseMethod("mmlu", caps)).toBe("top_k_letters");
      expect(chooseMethod("truthfulqa", caps)).toBe("top_k_letters");
      expect(usesLetteredFallback("truthfulqa", chooseMethod("truthfulqa", caps))).toBe(true);
      expect(usesLetteredFallback("mmlu", chooseMethod("mmlu", caps))).toBe(false);
      expect(chooseMethod("gsm8k", caps)).toBe("generation");
    }
  });

  it("falls back to generation without any logprobs", () => {
    expect(chooseMethod("mmlu", NONE)).toBe("generation");
    expect(chooseMethod("hellaswag", NONE)).toBe("lettered_generation");
    expect(chooseMethod("truthfulqa", NONE)).toBe("lettered_generation");
  });

  it("takes a forced method that suits task and engine, and refuses the others", () => {
    expect(chooseMethod("mmlu", engines.vllm.capabilities, "generation")).toBe("generation");
    expect(chooseMethod("hellaswag", engines.vllm.capabilities, "top_k_letters")).toBe("top_k_letters");
    expect(() => chooseMethod("gsm8k", engines.vllm.capabilities, "loglikelihood")).toThrow(/gsm8k cannot be scored by loglikelihood/);
    expect(() => chooseMethod("hellaswag", engines.vllm.capabilities, "generation")).toThrow(/cannot be scored/);
    expect(() => chooseMethod("mmlu", engines.llama_cpp.capabilities, "loglikelihood")).toThrow(/needs prompt log-probabilities/);
  });
});
