/**
 * The context length a running engine serves its model with, from the engine itself:
 * llama.cpp's `/props` (`default_generation_settings.n_ctx`, per slot) and the OpenAI-style
 * `/v1/models` listing (`max_model_len` on vLLM and SGLang). Undefined when neither says.
 */
import type { Engine } from "./engine.js";
import { getJson } from "./engine-json.js";

function positive(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}

export async function modelContextLength(engine: Pick<Engine, "baseUrl" | "modelName">): Promise<number | undefined> {
  const props = (await getJson(`${engine.baseUrl}/props`)) as { default_generation_settings?: { n_ctx?: unknown }; n_ctx?: unknown } | undefined;
  const fromProps = positive(props?.default_generation_settings?.n_ctx) ?? positive(props?.n_ctx);
  if (fromProps) return fromProps;
  const models = (await getJson(`${engine.baseUrl}/v1/models`)) as { data?: Array<{ id?: string; max_model_len?: unknown }> } | undefined;
  const entry = models?.data?.find((model) => model.id === engine.modelName) ?? models?.data?.[0];
  return positive(entry?.max_model_len);
}
