/**
 * The LoRA client for a running engine (`lora-client.ts`): which one an engine gets is in its
 * spec (`EngineSpec.lora`); an engine without one cannot take adapters at run time.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { getEngineSpec } from "../../engines/registry.js";
import { KittError } from "../../errors.js";
import type { EngineEndpoint } from "../../protocols/http/engine-request.js";
import { LlamaCppLoraClient } from "./llama-cpp-lora-client.js";
import type { EngineLoraClient } from "./lora-client.js";
import { RouteLoraClient } from "./route-lora-client.js";

export interface EngineLoraOptions {
  /** Longest one request to the engine may take (default 60 s: vLLM reads the adapter's weights before it answers). */
  timeoutMs?: number;
  /** A folder of the runtime's where llama.cpp's adapter names are kept between runs (vLLM and SGLang name adapters themselves). */
  stateDir?: string;
}

export const DEFAULT_LORA_TIMEOUT_MS = 60_000;

/** The client for `engine` (kitt's name) at `baseUrl`; `LORA_REFUSED` for an engine that cannot load adapters at run time. */
export function engineLoraClient(engine: string, baseUrl: string, options: EngineLoraOptions = {}): EngineLoraClient {
  const spec = getEngineSpec(engine);
  const endpoint: EngineEndpoint = { baseUrl, name: spec.displayName, namedWithUrl: true };
  const timeoutMs = options.timeoutMs ?? DEFAULT_LORA_TIMEOUT_MS;
  const lora = spec.lora;
  if (lora === undefined) throw new KittError("LORA_REFUSED", `${spec.displayName} cannot load LoRA adapters at run time (kitt does it for vLLM, SGLang and llama.cpp)`);
  if (lora.api !== "llama-cpp-scales") return new RouteLoraClient(endpoint, lora, timeoutMs);
  // One file per engine URL: runtimes beside different llama-servers may share the folder.
  const namesFile = options.stateDir && join(options.stateDir, `.llama-cpp-names-${createHash("sha256").update(baseUrl).digest("hex").slice(0, 16)}.json`);
  return new LlamaCppLoraClient(endpoint, lora, timeoutMs, namesFile || undefined);
}
