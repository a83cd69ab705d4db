/**
 * The LoRA client for a running engine (`lora-client.ts`): which one an engine gets is in its
 * spec (`EngineSpec.lora`); an engine without one cannot take adapters at run time.
 */
import { getEngineSpec } from "../../engines/registry.js";
import { KittError } from "../../errors.js";
import type { EngineEndpoint } from "../../protocols/http/engine-request.js";
import { LlamaCppLoraClient } from "./llama-cpp-lora-client.js";
import type { EngineLoraClient } from "./lora-client.js";
import { RouteLoraClient } from "./route-lora-client.js";

export interface EngineLoraOptions {
  /** Longest one request to the engine may take (default 60 s: vLLM reads the adapter's weights before it answers). */
  timeoutMs?: number;
}

export const DEFAULT_LORA_TIMEOUT_MS = 60_000;

/** The client for `engine` (kitt's name) at `baseUrl`; `LORA_REFUSED` for an engine that cannot load adapters at run time. */
export function engineLoraClient(engine: string, baseUrl: string, options: EngineLoraOptions = {}): EngineLoraClient {
  const spec = getEngineSpec(engine);
  const endpoint: EngineEndpoint = { baseUrl, name: spec.displayName, namedWithUrl: true };
  const timeoutMs = options.timeoutMs ?? DEFAULT_LORA_TIMEOUT_MS;
  const lora = spec.lora;
  if (lora === undefined) throw new KittError("LORA_REFUSED", `${spec.displayName} cannot load LoRA adapters at run time (kitt does it for vLLM, SGLang and llama.cpp)`);
  return lora.api === "llama-cpp-scales" ? new LlamaCppLoraClient(endpoint, lora, timeoutMs) : new RouteLoraClient(endpoint, lora, timeoutMs);
}
