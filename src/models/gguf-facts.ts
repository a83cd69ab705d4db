/** A GGUF header's facts for the model catalog: architecture, name, parameters, file type, context. */
import { metadataNumber, metadataString, trainedContextLength, type GgufHeader } from "./gguf.js";
import type { ModelFacts } from "./model-facts.js";

/**
 * `general.file_type` ids as llama.cpp numbers them (`llama_ftype` in llama.h); the gaps are
 * types llama.cpp has removed.
 */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
  38: "MXFP4_MOE",
  39: "NVFP4",
};

export function ggufFileTypeName(id: number): string {
  return FILE_TYPES[id] ?? `file type ${id}`;
}

export function ggufFacts(header: GgufHeader): ModelFacts {
  const { metadata } = header;
  const fileType = metadataNumber(metadata, "general.file_type");
  // One part of a split model holds only some of the tensors: its count would mislead.
  const split = (metadataNumber(metadata, "split.count") ?? 1) > 1;
  return {
    architecture: metadataString(metadata, "general.architecture"),
    name: metadataString(metadata, "general.name"),
    parameters: split ? undefined : header.tensors.reduce((sum, tensor) => sum + tensor.dims.reduce((product, dim) => product * dim, 1), 0),
    parameterSize: metadataString(metadata, "general.size_label"),
    quantization: fileType === undefined ? undefined : ggufFileTypeName(fileType),
    contextLength: trainedContextLength(metadata),
  };
}
