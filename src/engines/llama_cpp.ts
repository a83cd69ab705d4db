/**
 * llama.cpp's `llama-server`: OpenAI-compatible routes plus its native `/completion`.
 * `/health` answers 503 `{"error":{"message":"Loading model"}}` while loading, then 200.
 *
 * `-c` is the context of all slots together: with `-np N` each slot (one request at a time) gets
 * `-c / N`. kitt gives every slot room for the longest quality prompt plus its answer, but no more
 * than the model was trained on; `/props` then reports the slots (`total_slots`) and each one's
 * context (`default_generation_settings.n_ctx`).
 */
import type { EngineSpec, LaunchContext } from "./types.js";

/** Slots kitt starts llama-server with: the number its own `-np auto` picks. */
export const LLAMA_CPP_SLOTS = 4;
/** Context per slot: MMLU's longest 5-shot prompt takes 3,479 tokens (Llama's tokenizer). */
export const LLAMA_CPP_SLOT_CONTEXT = 4096;

function serverArgs(ctx: LaunchContext): string[] {
  return [
    "-m", ctx.modelPath,
    ...contextArgs(ctx),
    "--n-gpu-layers", "99",
    "--host", ctx.host,
    "--port", String(ctx.port),
    "--metrics",
    ...ctx.extraArgs,
  ];
}

/**
 * `-c` and `-np` for the slots above. The user's own `-c` or `-np` (argument or `--env`) wins; kitt
 * sets only the other, so that each slot still gets its context where the user's total allows.
 */
function contextArgs(ctx: LaunchContext): string[] {
  const slotContext = Math.min(LLAMA_CPP_SLOT_CONTEXT, ctx.trainedContext ?? LLAMA_CPP_SLOT_CONTEXT);
  const context = userSetting(ctx, ["-c", "--ctx-size"], "LLAMA_ARG_CTX_SIZE");
  const slots = userSetting(ctx, ["-np", "--parallel"], "LLAMA_ARG_N_PARALLEL");
  if (context === undefined && slots === undefined) {
    return ["-c", String(slotContext * LLAMA_CPP_SLOTS), "-np", String(LLAMA_CPP_SLOTS)];
  }
  if (context === undefined) {
    // `-np -1` is llama-server's automatic choice: leave the context to it too.
    const count = Number(slots);
    return Number.isInteger(count) && count > 0 ? ["-c", String(slotContext * count)] : [];
  }
  if (slots === undefined) {
    // `-c 0` means the trained context.
    const total = Number(context) === 0 ? ctx.trainedContext : Number(context);
    if (total === undefined || !Number.isInteger(total) || total <= 0) return [];
    return ["-np", String(Math.max(1, Math.min(LLAMA_CPP_SLOTS, Math.floor(total / slotContext))))];
  }
  return [];
}

/** The value the user gave a setting: the last of its flags in `--engine-arg`, else its `--env` variable. */
function userSetting(ctx: LaunchContext, flags: readonly string[], envName: string): string | undefined {
  const args = ctx.extraArgs;
  for (let index = args.length - 1; index >= 0; index--) {
    // llama.cpp reads `--ctx_size` as `--ctx-size`.
    const arg = args[index]?.startsWith("--") ? args[index]?.replaceAll("_", "-") : args[index];
    if (arg !== undefined && flags.includes(arg)) return args[index + 1] ?? "";
  }
  return ctx.extraEnv?.[envName];
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
  // `--lora-init-without-apply` alone does not keep llama-server (llama.cpp de3ff81) from applying them; a scale of 0 does.
  lora: {
    api: "llama-cpp-scales",
    adaptersPath: "/lora-adapters",
    requirement: "llama.cpp loads adapters only at start: give the file with --lora-scaled FILE:0 (or --lora FILE), then load and unload switch its scale",
  },
};
