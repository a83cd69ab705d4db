/**
 * vLLM's OpenAI-compatible server. The port stays closed (or hangs) while the model loads,
 * then `/health` answers 200; 503 means the engine died.
 */
import type { HostFacts } from "../hardware/host-facts.js";
import type { EngineSpec, LaunchContext } from "./types.js";

/** NVIDIA's build, for GPUs newer than the upstream image supports well (Blackwell, GB10). */
const NGC_IMAGE = "nvcr.io/nvidia/vllm:25.09-py3";

function serveArgs(ctx: LaunchContext): string[] {
  return [
    "serve", ctx.modelPath,
    "--host", ctx.host,
    "--port", String(ctx.port),
    "--served-model-name", ctx.modelName,
    ...ctx.extraArgs,
  ];
}

export const vllm: EngineSpec = {
  name: "vllm",
  displayName: "vLLM",
  description: "vLLM OpenAI-compatible server (safetensors, GPTQ, AWQ on NVIDIA GPUs)",
  defaultImage: "vllm/vllm-openai:latest",
  chooseImage: (host: HostFacts) =>
    host.computeCapability !== undefined && host.computeCapability >= 10.0 ? NGC_IMAGE : undefined,
  defaultPort: 8000,
  readiness: {
    path: "/health",
    isReady: (probe) => probe.status === 200 && !/loading/i.test(probe.body),
    notReadyDescription: "connection refused or hanging while the model loads; 503 when the engine is dead",
  },
  protocols: ["openai-completions", "openai-chat"],
  formats: ["safetensors", "pytorch", "gptq", "awq"],
  runtimes: ["docker", "native", "endpoint"],
  capabilities: { promptLogprobs: true, topLogprobs: true, metricsPath: "/metrics", tokenizePath: "/tokenize", busyConcurrency: 64 },
  versionProbe: { path: "/version", field: "version" },
  containerModelDir: "/models",
  // The upstream image's entrypoint is `vllm serve`, NGC's is a shell: naming the entrypoint makes one argument list fit both.
  dockerArgs: () => ["--ipc=host", "--entrypoint", "vllm"],
  containerArgs: serveArgs,
  nativeCommand: (ctx) => ({ command: "vllm", args: serveArgs(ctx) }),
  // The load and unload routes exist only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True (vLLM 0.6 to 0.15 at least).
  lora: {
    api: "vllm",
    loadPath: "/v1/load_lora_adapter",
    unloadPath: "/v1/unload_lora_adapter",
    listPath: "/v1/models",
    requirement: "start vLLM with --enable-lora and the environment variable VLLM_ALLOW_RUNTIME_LORA_UPDATING=True",
  },
};
