/** Which method each task uses on each engine, and which forced methods are refused. */
import { describe, expect, it } from "vitest";
import { engines } from "../../../src/engines/registry.js";
import { chooseMethod, usesLetteredFallback } from "../../../src/quality/run/choose-method.js";
import { gsm8kSpec } from "../../../src/quality/tasks/gsm8k/spec.js";
import { hellaswagSpec } from "../../../src/quality/tasks/hellaswag/spec.js";
import { mmluSpec } from "../../../src/quality/tasks/mmlu/spec.js";
import { truthfulqaSpec } from "../../../src/quality/tasks/truthfulqa/spec.js";

const NONE = { promptLogprobs: false, topLogprobs: false };

describe("chooseMethod", () => {
  it("uses log-likelihoods where prompt logprobs exist (vLLM, SGLang, TGI)", () => {
    for (const name of ["vllm", "sglang", "tgi"] as const) {
      const caps = engines[name].capabilities;
      expect([chooseMethod(mmluSpec, caps), chooseMethod(truthfulqaSpec, caps), chooseMethod(hellaswagSpec, caps)]).toEqual([
        "loglikelihood",
        "loglikelihood",
        "loglikelihood",
      ]);
      expect(chooseMethod(gsm8kSpec, caps)).toBe("generation");
    }
  });

  it("uses top-k letters, and lettered fallbacks, on llama.cpp, Ollama and TabbyAPI", () => {
    for (const name of ["llama_cpp", "ollama", "exllamav2"] as const) {
      const caps = engines[name].capabilities;
      expect(chooseMethod(mmluSpec, caps)).toBe("top_k_letters");
      expect(chooseMethod(truthfulqaSpec, caps)).toBe("top_k_letters");
      expect(usesLetteredFallback(truthfulqaSpec.methods, chooseMethod(truthfulqaSpec, caps))).toBe(true);
      expect(usesLetteredFallback(mmluSpec.methods, chooseMethod(mmluSpec, caps))).toBe(false);
      expect(chooseMethod(gsm8kSpec, caps)).toBe("generation");
    }
  });

  it("falls back to generation without any logprobs", () => {
    expect(chooseMethod(mmluSpec, NONE)).toBe("generation");
    expect(chooseMethod(hellaswagSpec, NONE)).toBe("lettered_generation");
    expect(chooseMethod(truthfulqaSpec, NONE)).toBe("lettered_generation");
  });

  it("takes a forced method that suits task and engine, and refuses the others", () => {
    expect(chooseMethod(mmluSpec, engines.vllm.capabilities, "generation")).toBe("generation");
    expect(chooseMethod(hellaswagSpec, engines.vllm.capabilities, "top_k_letters")).toBe("top_k_letters");
    expect(() => chooseMethod(gsm8kSpec, engines.vllm.capabilities, "loglikelihood")).toThrow(/gsm8k cannot be scored by loglikelihood/);
    expect(() => chooseMethod(hellaswagSpec, engines.vllm.capabilities, "generation")).toThrow(/cannot be scored/);
    expect(() => chooseMethod(mmluSpec, engines.llama_cpp.capabilities, "loglikelihood")).toThrow(/needs prompt log-probabilities/);
  });
});
