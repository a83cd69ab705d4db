/**
 * ExLlamaV2 models served by TabbyAPI, its maintained OpenAI-compatible server. Connections
 * are refused while the startup model loads; then `/health` answers 200 `{"status":"healthy"}`
 * (503 once a generation error was recorded). Health is checked on the port TabbyAPI serves.
 */
import { posix } from "node:path";
import type { EngineSpec, LaunchContext } from "./types.js";

function tabbyArgs(ctx: LaunchContext): string[] {
  return [
    "--host", ctx.host,
    "--port", String(ctx.port),
    // TabbyAPI loads `<model-dir>/<model-name>` at startup.
    "--model-dir", posix.dirname(ctx.modelPath),
    "--model-name", posix.basename(ctx.modelPath),
    // kitt talks to its own local server; API keys would only get in the way.
    "--disable-auth", "true",
    ...ctx.extraArgs,
  ];
}

export const exllamav2: EngineSpec = {
  name: "exllamav2",
  displayName: "ExLlamaV2 (TabbyAPI)",
  description: "ExLlamaV2/EXL2 and GPTQ models served by TabbyAPI",
  defaultImage: "ghcr.io/theroyallab/tabbyapi:latest",
  defaultPort: 5000,
  readiness: {
    path: "/health",
    isReady: (probe) => probe.status === 200 && !/loading/i.test(probe.body),
    notReadyDescription: "connection refused while the model loads; 503 {\"status\":\"unhealthy\"} after a generation error",
  },
  protocols: ["openai-completions", "openai-chat"],
  formats: ["gptq", "exl2"],
  // TabbyAPI runs from its own checkout (`python3 main.py`), so kitt starts it only as a container.
  runtimes: ["docker", "endpoint"],
  capabilities: { promptLogprobs: false, topLogprobs: true, tokenizePath: "/v1/token/encode", busyConcurrency: 8 },
  containerModelDir: "/models",
  dockerArgs: () => ["--shm-size=8g"],
  // The image's entrypoint is `python3`, its default command `main.py`.
  containerArgs: (ctx) => ["main.py", ...tabbyArgs(ctx)],
};
