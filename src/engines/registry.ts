/**
 * Engines by name. Adding an engine means adding its spec module and one line here.
 */
import { KittError } from "../errors.js";
import { exllamav2 } from "./exllamav2.js";
import { llama_cpp } from "./llama_cpp.js";
import { mlx } from "./mlx.js";
import { ollama } from "./ollama.js";
import { sglang } from "./sglang.js";
import { tgi } from "./tgi.js";
import type { EngineName, EngineSpec } from "./types.js";
import { vllm } from "./vllm.js";

export const engines: Readonly<Record<EngineName, EngineSpec>> = {
  vllm,
  sglang,
  tgi,
  llama_cpp,
  ollama,
  exllamav2,
  mlx,
};

export const engineNames = Object.keys(engines) as EngineName[];

export function getEngineSpec(name: string): EngineSpec {
  const spec = (engines as Record<string, EngineSpec | undefined>)[name];
  if (!spec) {
    throw new KittError("UNKNOWN_ENGINE", `unknown engine '${name}'; known engines: ${engineNames.join(", ")}`);
  }
  return spec;
}
