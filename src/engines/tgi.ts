/**
 * Hugging Face text-generation-inference (upstream in maintenance mode). The image listens on
 * port 80 by default; with host networking kitt passes `--port` instead. Connections are
 * refused until every shard is ready, then `/health` answers 200.
 */
import type { EngineSpec, LaunchContext } from "./types.js";

function launcherArgs(ctx: LaunchContext): string[] {
  return [
    "--model-id", ctx.modelPath,
    "--hostname", ctx.host,
    "--port", String(ctx.port),
    ...ctx.extraArgs,
  ];
}

export const tgi: EngineSpec = {
  name: "tgi",
  displayName: "TGI",
  description: "Hugging Face text-generation-inference (safetensors, GPTQ, AWQ)",
  defaultImage: "ghcr.io/huggingface/text-generation-inference:3.3.5",
  defaultPort: 3000,
  readiness: {
    path: "/health",
    isReady: (probe) => probe.status === 200 && !/loading/i.test(probe.body),
    notReadyDescription: "connection refused until every shard is ready; 503 when unhealthy",
  },
  protocols: ["tgi-generate", "openai-chat"],
  formats: ["safetensors", "pytorch", "gptq", "awq"],
  runtimes: ["docker", "native", "endpoint"],
  capabilities: { promptLogprobs: true, topLogprobs: true, metricsPath: "/metrics", tokenizePath: "/tokenize", busyConcurrency: 64 },
  versionProbe: { path: "/info", field: "version" },
  containerModelDir: "/models",
  dockerArgs: () => ["--shm-size=1g"],
  // The image's entrypoint is `text-generation-launcher`.
  containerArgs: launcherArgs,
  nativeCommand: (ctx) => ({ command: "text-generation-launcher", args: launcherArgs(ctx) }),
};
