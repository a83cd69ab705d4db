/**
 * SGLang's server. `/health` answers 503 while starting (and again during shutdown); metrics
 * exist only with `--enable-metrics`, which kitt always passes.
 */
import type { EngineSpec, LaunchContext } from "./types.js";

function launchArgs(ctx: LaunchContext): string[] {
  return [
    "-m", "sglang.launch_server",
    "--model-path", ctx.modelPath,
    "--host", ctx.host,
    "--port", String(ctx.port),
    "--served-model-name", ctx.modelName,
    "--enable-metrics",
    ...ctx.extraArgs,
  ];
}

export const sglang: EngineSpec = {
  name: "sglang",
  displayName: "SGLang",
  description: "SGLang server (safetensors, GPTQ, AWQ on NVIDIA GPUs)",
  defaultImage: "lmsysorg/sglang:latest",
  defaultPort: 30000,
  readiness: {
    path: "/health",
    isReady: (probe) => probe.status === 200 && !/loading/i.test(probe.body),
    notReadyDescription: "connection refused while loading, then 503 until the warm-up generation finished",
  },
  protocols: ["openai-completions", "openai-chat"],
  formats: ["safetensors", "pytorch", "gptq", "awq"],
  runtimes: ["docker", "native", "endpoint"],
  capabilities: { promptLogprobs: true, topLogprobs: true, metricsPath: "/metrics", busyConcurrency: 64 },
  versionProbe: { path: "/get_server_info", field: "version" },
  containerModelDir: "/models",
  dockerArgs: () => ["--ipc=host", "--shm-size=32g"],
  // The image has no entrypoint, so the container command is the whole launcher.
  containerArgs: (ctx) => ["python3", ...launchArgs(ctx)],
  nativeCommand: (ctx) => ({ command: "python3", args: launchArgs(ctx) }),
  lora: {
    api: "sglang",
    loadPath: "/load_lora_adapter",
    unloadPath: "/unload_lora_adapter",
    listPath: "/v1/models",
    requirement: "start SGLang with --enable-lora (and --max-lora-rank and --lora-target-modules when no adapter is given at start)",
  },
};
