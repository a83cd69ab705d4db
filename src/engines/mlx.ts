/**
 * Apple's MLX through `mlx_lm.server`, an OpenAI-compatible server that runs natively on
 * macOS with Apple silicon only; there is no container image.
 */
import type { HostFacts } from "../hardware/host-facts.js";
import type { EngineSpec } from "./types.js";

export const mlx: EngineSpec = {
  name: "mlx",
  displayName: "MLX",
  description: "Apple MLX via mlx_lm.server (macOS on Apple silicon only)",
  defaultPort: 8080,
  readiness: {
    path: "/health",
    isReady: (probe) => probe.status === 200 && !/loading/i.test(probe.body),
    notReadyDescription: "connection refused until the server listens",
  },
  protocols: ["openai-completions", "openai-chat"],
  formats: ["mlx", "safetensors"],
  runtimes: ["native", "endpoint"],
  capabilities: { promptLogprobs: false, topLogprobs: true, busyConcurrency: 4 },
  unsupportedReason: (host: HostFacts) =>
    host.platform === "darwin" && host.arch === "arm64"
      ? undefined
      : `MLX runs only on macOS with Apple silicon (darwin/arm64); this host is ${host.platform}/${host.arch}. Use vllm, llama_cpp or ollama here.`,
  nativeCommand: (ctx) => ({
    command: "mlx_lm.server",
    args: ["--model", ctx.modelPath, "--host", ctx.host, "--port", String(ctx.port), ...ctx.extraArgs],
  }),
};
