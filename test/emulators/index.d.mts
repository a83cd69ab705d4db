/** Types for `index.mjs`: emulated engines started in-process for tests. */

export type EmulatedEngineName = "vllm" | "sglang" | "tgi" | "ollama" | "exllamav2";

export interface EmulatorOptions {
  host?: string;
  /** Port to serve on; a free one by default. */
  port?: number;
  /** Served model name (default "emulated-model"). */
  model?: string;
  modelPath?: string;
  /** Total startup time, split into refused and 503 phases the way the engine really starts. */
  startupMs?: number;
  firstTokenDelayMs?: number;
  tokenDelayMs?: number;
  /** End answers with end-of-sequence after this many tokens unless `ignore_eos`. */
  eosAfter?: number;
  maxRunning?: number;
  maxModelLen?: number;
  /** Ollama: models the server already has, e.g. ["tiny:latest"]. */
  models?: string[];
  /** Ollama: time to load a model on its first request. */
  loadMs?: number;
  /** SGLang: serve `/metrics` (default true, as `--enable-metrics`). */
  enableMetrics?: boolean;
  /** vLLM and SGLang: `--enable-lora` (default false). */
  enableLora?: boolean;
  /** vLLM: `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`, which adds the load and unload routes (default false). */
  allowRuntimeLoraUpdating?: boolean;
  /** TabbyAPI: skip API key checks (default true, as `--disable-auth true`). */
  disableAuth?: boolean;
  /** TabbyAPI: the key to require when auth is on (random by default). */
  apiKey?: string;
  onLog?: (line: string) => void;
}

export interface RunningEmulator extends AsyncDisposable {
  readonly name: EmulatedEngineName;
  readonly url: string;
  readonly port: number;
  readonly model: string;
  /** Every log line so far, in the engine's own wording. */
  readonly logs: string[];
  /** Resolves when the port is bound (rejects if it cannot be). */
  readonly listening: Promise<void>;
  /** Resolves when the engine answers ready. */
  readonly ready: Promise<void>;
  readonly apiKey: string | undefined;
  readonly finishedRequests: number;
  close(): Promise<void>;
}

export declare const emulatedEngines: Record<EmulatedEngineName, unknown>;
export declare function freePort(host?: string): Promise<number>;
export declare function startEmulator(name: EmulatedEngineName, options?: EmulatorOptions): Promise<RunningEmulator>;
