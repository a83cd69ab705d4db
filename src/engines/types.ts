/**
 * An `EngineSpec` is everything kitt knows about one inference engine, as data plus small
 * pure functions: image, ports, readiness, protocols, formats, command lines, capabilities.
 * Specs never start anything; runtimes (`src/runtime`) do that from a spec.
 */
import type { HostFacts } from "../hardware/host-facts.js";
import type { ModelFormat } from "../preflight/model-format.js";
import type { ProtocolName } from "../protocols/types.js";
import type { RuntimeKind } from "../runtime/engine-process.js";
import type { NativeCommand } from "../runtime/native.js";
import type { ReadinessSpec } from "../runtime/readiness.js";

export type EngineName = "vllm" | "sglang" | "tgi" | "llama_cpp" | "ollama" | "exllamav2" | "mlx";

/** Where the model is, from the engine's point of view. */
export interface LaunchContext {
  /** Model path as the engine process sees it (inside the container for docker). */
  modelPath: string;
  /** The file or directory name of the model (used as the served model name). */
  modelName: string;
  host: string;
  port: number;
  /** User-supplied extra engine arguments, appended last. */
  extraArgs: readonly string[];
  /** User-supplied engine environment variables (`--env`). */
  extraEnv?: Readonly<Record<string, string>>;
  /** The context the model was trained with, when its weights say (GGUF `<arch>.context_length`). */
  trainedContext?: number;
}

export interface EngineCapabilities {
  /** Multi-token prompt (continuation) log-likelihoods. */
  promptLogprobs: boolean;
  /** Top-k log-probabilities of generated tokens. */
  topLogprobs: boolean;
  /** Path of a Prometheus metrics endpoint, when the engine has one. */
  metricsPath?: string;
  /** Path of a tokenize endpoint, when the engine has one. */
  tokenizePath?: string;
  /**
   * Requests in flight that keep the engine busy: enough to fill a batching server's batch, or a
   * few queued for one that serves a handful at a time. Quality tests run this many by default.
   */
  busyConcurrency: number;
}

/**
 * How a running engine takes LoRA adapters (`src/runtime-sidecar/lora`): vLLM's and SGLang's
 * load and unload routes with the adapter's folder, or llama.cpp's adapter scales, which switch
 * only adapters the server was started with.
 */
export type LoraSupport =
  | {
      api: "vllm" | "sglang";
      loadPath: string;
      unloadPath: string;
      /** `/v1/models`: adapters are the entries with a `parent`. */
      listPath: string;
      /** What the engine must be started with, said when it refuses. */
      requirement: string;
    }
  | { api: "llama-cpp-scales"; adaptersPath: string; requirement: string };

export interface EngineSpec {
  readonly name: EngineName;
  readonly displayName: string;
  readonly description: string;
  /** Default container image; undefined for engines that only run natively. */
  readonly defaultImage?: string;
  /** Platform-aware image choice; return undefined to fall back to `defaultImage`. */
  chooseImage?(host: HostFacts): string | undefined;
  /** Image that `kitt engines setup NAME --build` makes locally; preferred when present and no GPU needs another. */
  readonly localBuildImage?: string;
  /** Port the engine listens on by default. */
  readonly defaultPort: number;
  readonly readiness: ReadinessSpec;
  /** Protocols the engine speaks; the first is used for `generate`. */
  readonly protocols: readonly ProtocolName[];
  readonly formats: readonly ModelFormat[];
  readonly runtimes: readonly RuntimeKind[];
  readonly capabilities: EngineCapabilities;
  /** Where the running engine tells its version: a GET path and the JSON field holding it. */
  readonly versionProbe?: { path: string; field: string };
  /** Why this engine cannot run on this host, or undefined when it can. */
  unsupportedReason?(host: HostFacts): string | undefined;
  /** Extra `docker run` flags (shm size, ipc, env). */
  dockerArgs?(ctx: LaunchContext): string[];
  /** Arguments after the image name for `docker run`. */
  containerArgs?(ctx: LaunchContext): string[];
  /** The command that starts the engine natively. */
  nativeCommand?(ctx: LaunchContext): NativeCommand;
  /** Directory inside the container where the model folder is mounted read-only. */
  readonly containerModelDir?: string;
  /** How adapters are loaded at run time; absent when the engine cannot. */
  readonly lora?: LoraSupport;
}
