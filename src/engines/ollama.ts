/**
 * Ollama. The server is up at once (`GET /` answers "Ollama is running") and loads a model
 * on its first request, so that request's time includes the load. Models are GGUF files
 * imported with `/api/create`, or registry tags. The listen address comes from `OLLAMA_HOST`.
 */
import type { EngineSpec, LaunchContext } from "./types.js";

function listenAddress(ctx: LaunchContext): string {
  return `${ctx.host}:${ctx.port}`;
}

export const ollama: EngineSpec = {
  name: "ollama",
  displayName: "Ollama",
  description: "Ollama (GGUF files or registry tags; lazy model loading)",
  defaultImage: "ollama/ollama:latest",
  defaultPort: 11434,
  readiness: {
    path: "/",
    isReady: (probe) => probe.status === 200 && probe.body.includes("Ollama is running"),
    notReadyDescription: "connection refused until the server listens; then 200 \"Ollama is running\"",
  },
  protocols: ["ollama-generate", "openai-completions", "openai-chat"],
  formats: ["gguf", "ollama-tag"],
  runtimes: ["docker", "native", "endpoint"],
  capabilities: { promptLogprobs: false, topLogprobs: true, busyConcurrency: 8 },
  versionProbe: { path: "/api/version", field: "version" },
  containerModelDir: "/models",
  // A named volume keeps pulled and imported models between runs.
  dockerArgs: (ctx) => ["-e", `OLLAMA_HOST=${listenAddress(ctx)}`, "-v", "ollama:/root/.ollama"],
  // The image's entrypoint is `ollama` and its default command `serve`.
  containerArgs: (ctx) => ["serve", ...ctx.extraArgs],
  nativeCommand: (ctx) => ({ command: "ollama", args: ["serve", ...ctx.extraArgs], env: { OLLAMA_HOST: listenAddress(ctx) } }),
};
