import { describe, expect, it } from "vitest";
import type { GgufHeader, GgufMetadata } from "../../src/models/gguf.js";
import { ggufFacts, ggufFileTypeName } from "../../src/models/gguf-facts.js";
import { hfConfigFacts } from "../../src/models/hf-config-facts.js";

function header(metadata: GgufMetadata, dims: number[][]): GgufHeader {
  return { version: 3, metadata, tensors: dims.map((d, i) => ({ name: `t${i}`, dims: d, type: 0, offset: 0 })), alignment: 32, dataOffset: 0 };
}

describe("GGUF facts", () => {
  it("names llama.cpp's file types and says which it does not know", () => {
    expect([0, 1, 2, 7, 15, 18, 30, 32].map(ggufFileTypeName)).toEqual(["F32", "F16", "Q4_0", "Q8_0", "Q4_K_M", "Q6_K", "IQ4_XS", "BF16"]);
    expect(ggufFileTypeName(4)).toBe("file type 4");
  });

  it("counts parameters from the tensor shapes, and reads the size label and context", () => {
    const metadata: GgufMetadata = new Map([
      ["general.architecture", { type: "string", value: "gemma3" }],
      ["general.size_label", { type: "string", value: "1B" }],
      ["gemma3.context_length", { type: "uint32", value: 131072 }],
      ["general.file_type", { type: "uint32", value: 32 }],
    ]);
    expect(ggufFacts(header(metadata, [[4, 3], [7]]))).toEqual({
      architecture: "gemma3",
      name: undefined,
      parameters: 19,
      parameterSize: "1B",
      quantization: "BF16",
      contextLength: 131072,
    });
  });

  it("gives no parameter count for one part of a split model", () => {
    const metadata: GgufMetadata = new Map([["split.count", { type: "uint16", value: 3 }]]);
    expect(ggufFacts(header(metadata, [[4, 3]])).parameters).toBeUndefined();
  });
});

describe("config.json facts", () => {
  it("reads architecture, type, dtype, context and quantization", () => {
    expect(
      hfConfigFacts({ architectures: ["MistralForCausalLM"], model_type: "mistral", torch_dtype: "float16", max_position_embeddings: 32768, quantization_config: { quant_method: "AWQ" } }),
    ).toEqual({ architecture: "MistralForCausalLM", modelType: "mistral", dtype: "float16", contextLength: 32768, quantization: "awq" });
  });

  it("looks under text_config for multimodal models, and reads MLX bits", () => {
    expect(hfConfigFacts({ model_type: "gemma3", text_config: { max_position_embeddings: 131072, dtype: "bfloat16" }, quantization: { group_size: 64, bits: 4 } })).toMatchObject({
      modelType: "gemma3",
      contextLength: 131072,
      dtype: "bfloat16",
      quantization: "4-bit",
    });
  });

  it("ignores values of the wrong type", () => {
    expect(hfConfigFacts({ architectures: "Llama", max_position_embeddings: "4096", torch_dtype: 16 })).toEqual({
      architecture: undefined,
      modelType: undefined,
      dtype: undefined,
      contextLength: undefined,
      quantization: undefined,
    });
  });
});
