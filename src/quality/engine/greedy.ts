/**
 * Greedy generation with stop sequences, through the engine's own streaming protocol. The text is
 * cut at the first stop sequence too, as the harness's `until` does, since engines differ on
 * whether they hold back a matched stop string. A prompt longer than `limit` (the context less
 * the longest answer, as the harness cuts it) goes out as its last token ids, on the OpenAI
 * completions route every engine with token-id prompts serves (llama.cpp, vLLM, SGLang).
 */
import type { Engine } from "../../engines/engine.js";
import { engineEndpoint } from "../../engines/engine-endpoint.js";
import { KittError } from "../../errors.js";
import { requestEngineJson } from "../../protocols/http/engine-request.js";
import { asRecord, stringField } from "../../protocols/json-fields.js";
import { engineTokenizer } from "./engine-tokenizer.js";
import { fitPrompt } from "./prompt-window.js";

/** lm-evaluation-harness's default `max_gen_toks`. */
export const DEFAULT_MAX_GEN_TOKENS = 256;

/** What a generation produced, and whether its prompt was cut to fit. */
export interface Generated {
  text: string;
  truncated: boolean;
}

export interface GreedyOptions {
  maxTokens?: number;
  signal?: AbortSignal;
  /** Most prompt tokens a request may hold; undefined: sent whole. */
  limit?: number;
}

export async function greedyGenerate(
  engine: Pick<Engine, "generate" | "baseUrl" | "spec" | "modelName">,
  text: string,
  stop: readonly string[],
  options: GreedyOptions = {},
): Promise<Generated> {
  const { signal } = options;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_GEN_TOKENS;
  const { prompt, truncated } = await fitPrompt(engineTokenizer(engine), text, options.limit, signal);
  if (typeof prompt === "string") {
    const result = await engine.generate({ prompt, maxTokens, temperature: 0, stop: stop.slice() }, signal);
    return { text: cutAtStop(result.text, stop), truncated };
  }
  const body = { model: engine.modelName, prompt, max_tokens: maxTokens, temperature: 0, stop: stop.slice() };
  const choices = asRecord(await requestEngineJson(engineEndpoint(engine), { method: "POST", path: "/v1/completions", body, signal }))?.choices;
  const generated = stringField(asRecord(Array.isArray(choices) ? choices[0] : undefined), "text");
  if (generated === undefined) throw new KittError("ENGINE_REQUEST_FAILED", `${engine.spec.displayName} answered /v1/completions without choices[0].text`);
  return { text: cutAtStop(generated, stop), truncated };
}

export function cutAtStop(text: string, stop: readonly string[]): string {
  let end = text.length;
  for (const sequence of stop) {
    const at = text.indexOf(sequence);
    if (sequence !== "" && at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}
