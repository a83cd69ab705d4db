/**
 * llama.cpp's `llama-server`: OpenAI-compatible routes plus its native `/completion`.
 * `/health` answers 503 `{"error":{"message":"Loading model"}}` while loading, then 200.
 */
import type { EngineSpec, LaunchContext } from "./types.js";

function serverArgs(ctx: LaunchContext): string[] {
  return [
    "-m", ctx.modelPath,
    "-c", "4096",
    "--n-gpu-layers", "99",
    "--host", ctx.host,
    "--port", String(ctx.port),
    "--metrics",
    ...ctx.extraArgs,
  ];
}

export const llama_cpp: EngineSpec = {
  name: "llama_cpp",
  displayName: "llama.cpp",
  description: "llama.cpp llama-server (GGUF models, CPU or GPU)",
  defaultImage: "ghcr.io/ggml-org/llama.cpp:server-cuda",
  localBuildImage: "kitt/llama-cpp:cpu",
  chooseImage: (host) =>
    host.computeCapability === undefined ? "ghcr.io/ggml-org/llama.cpp:server" : "ghcr.io/ggml-org/llama.cpp:server-cuda",
  defaultPort: 8080,
  readiness: {
    path: "/health",
    isReady: (probe) => probe.status === 200,
    notReadyDescription: "connection refused, or 503 {\"error\":{\"message\":\"Loading model\"}}",
  },
  protocols: ["openai-completions", "openai-chat", "llamacpp-completion"],
  formats: ["gguf"],
  runtimes: ["docker", "native", "endpoint"],
  capabilities: { promptLogprobs: false, topLogprobs: true, metricsPath: "/metrics", tokenizePath: "/tokenize", busyConcurrency: 8 },
  versionProbe: { path: "/props", field: "build_info" },
  containerModelDir: "/models",
  containerArgs: serverArgs,
  nativeCommand: (ctx) => ({ command: "llama-server", args: serverArgs(ctx) }),
};
