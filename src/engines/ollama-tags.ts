/** The models an Ollama server holds (`GET /api/tags`), as model catalog entries. */
import { isObject } from "../json.js";
import type { ModelFacts } from "../models/model-facts.js";
import { requestEngineJson } from "../protocols/http/engine-request.js";

export interface OllamaTag {
  /** e.g. `llama3.2:1b`. */
  name: string;
  sizeBytes?: number;
  facts: ModelFacts;
}

const TAGS_TIMEOUT_MS = 5_000;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Throws the engine client's ENGINE_REQUEST_FAILED when Ollama cannot be reached or answers something else. */
export async function ollamaTags(baseUrl: string, timeoutMs = TAGS_TIMEOUT_MS): Promise<OllamaTag[]> {
  const endpoint = { baseUrl, name: "Ollama", namedWithUrl: true };
  const answer = await requestEngineJson(endpoint, { method: "GET", path: "/api/tags", timeoutMs });
  const models = isObject(answer) && Array.isArray(answer.models) ? answer.models : [];
  return models.filter(isObject).flatMap((model) => {
    const name = text(model.name);
    if (name === undefined) return [];
    const details = isObject(model.details) ? model.details : {};
    return [
      {
        name,
        sizeBytes: typeof model.size === "number" ? model.size : undefined,
        facts: { architecture: text(details.family), parameterSize: text(details.parameter_size), quantization: text(details.quantization_level) },
      },
    ];
  });
}
