/** What the model catalog tells about one model, from its files or from the engine that holds it. */
export interface ModelFacts {
  /** GGUF `general.architecture` (llama, qwen2…); config.json's first `architectures` entry (LlamaForCausalLM…). */
  architecture?: string;
  /** config.json's `model_type`. */
  modelType?: string;
  /** GGUF `general.name`. */
  name?: string;
  /** Weights counted from the tensor shapes in the files' headers. */
  parameters?: number;
  /** The size as the model states it: GGUF `general.size_label`, Ollama's `parameter_size` ("8.0B"). */
  parameterSize?: string;
  /** GGUF file type (Q4_K_M, F16…), config.json's quantization method, Ollama's `quantization_level`. */
  quantization?: string;
  /** config.json's `torch_dtype` (or `dtype`). */
  dtype?: string;
  /** The context the model was trained with: GGUF `<arch>.context_length`, config.json's `max_position_embeddings`. */
  contextLength?: number;
}
