/** A Hugging Face folder's `config.json` facts for the model catalog. */
import { quantMethod } from "../preflight/model-format.js";
import type { ModelFacts } from "./model-facts.js";

type Config = Record<string, unknown>;

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** MLX quantization (`"quantization": {"bits": 4, …}`) as "4-bit". */
function mlxBits(config: Config): string | undefined {
  const bits = (config.quantization as Config | undefined)?.bits;
  return typeof bits === "number" ? `${bits}-bit` : undefined;
}

export function hfConfigFacts(config: Config): ModelFacts {
  // Multimodal models keep the language model's settings under `text_config`.
  const text = typeof config.text_config === "object" && config.text_config !== null ? (config.text_config as Config) : {};
  const architectures = Array.isArray(config.architectures) ? config.architectures : [];
  return {
    architecture: stringOf(architectures[0]),
    modelType: stringOf(config.model_type),
    quantization: quantMethod(config) ?? mlxBits(config),
    dtype: stringOf(config.torch_dtype) ?? stringOf(config.dtype) ?? stringOf(text.torch_dtype) ?? stringOf(text.dtype),
    contextLength: positiveInt(config.max_position_embeddings) ?? positiveInt(text.max_position_embeddings) ?? positiveInt(config.n_positions),
  };
}
