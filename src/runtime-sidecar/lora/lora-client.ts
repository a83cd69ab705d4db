/** What a running engine's LoRA client does: load an adapter from a local path, unload it by name, list what the engine has. */

export interface LoraAdapterInfo {
  /** vLLM and SGLang: the engine's name for it; llama.cpp: the name it was loaded under through this runtime, when it was. */
  name?: string;
  /** Where the engine read it from. */
  path?: string;
  /** vLLM and SGLang: the base model it applies to. */
  parent?: string;
  /** llama.cpp: its index among the adapters given at start, and its scale (0 = off). */
  id?: number;
  scale?: number;
  /** Whether requests get it now. */
  loaded: boolean;
}

export interface EngineLoraClient {
  /** The engine's name for messages: "vLLM". */
  readonly engine: string;
  /** `localPath`: the downloaded adapter (a PEFT folder for vLLM and SGLang, a GGUF file or a folder holding one for llama.cpp). */
  load(name: string, localPath: string, signal?: AbortSignal): Promise<void>;
  unload(name: string, signal?: AbortSignal): Promise<void>;
  list(signal?: AbortSignal): Promise<LoraAdapterInfo[]>;
}
