/**
 * What a running engine says about the room each request gets, from the engine itself:
 * llama.cpp's `/props` (`default_generation_settings.n_ctx`, the context of one slot, and
 * `total_slots`) and the OpenAI-style `/v1/models` listing (`max_model_len` on vLLM and SGLang).
 * Fields are undefined where the engine does not say.
 */
import type { Engine } from "./engine.js";
import { getJson } from "./engine-json.js";

export interface RequestCapacity {
  /**
   * The context one request may use, prompt and generated tokens together: a llama.cpp slot's
   * `n_ctx`, vLLM's and SGLang's `max_model_len`.
   */
  context?: number;
  /** Requests the engine serves at once (llama.cpp's slots); more wait in its queue. Undefined for batching servers. */
  slots?: number;
}

interface LlamaProps {
  default_generation_settings?: { n_ctx?: unknown };
  n_ctx?: unknown;
  total_slots?: unknown;
}

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

export async function requestCapacity(engine: Pick<Engine, "baseUrl" | "modelName">): Promise<RequestCapacity> {
  const props = (await getJson(engine, "/props")) as LlamaProps | undefined;
  const slots = positive(props?.total_slots);
  const fromProps = positive(props?.default_generation_settings?.n_ctx) ?? positive(props?.n_ctx);
  if (fromProps) return { context: fromProps, slots };
  const models = (await getJson(engine, "/v1/models")) as { data?: Array<{ id?: string; max_model_len?: unknown }> } | undefined;
  const entry = models?.data?.find((model) => model.id === engine.modelName) ?? models?.data?.[0];
  return { context: positive(entry?.max_model_len), slots };
}

/** The context length one request may use (see `RequestCapacity.context`). */
export async function modelContextLength(engine: Pick<Engine, "baseUrl" | "modelName">): Promise<number | undefined> {
  return (await requestCapacity(engine)).context;
}
