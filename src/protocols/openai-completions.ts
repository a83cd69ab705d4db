/** `POST /v1/completions`, streamed (vLLM, SGLang, llama.cpp, Ollama, TabbyAPI, MLX). */
import { parseOpenAIStream } from "./openai-stream.js";
import { definedEntries, promptText } from "./request-text.js";
import { stringField } from "./json-fields.js";
import type { GenerateRequest, Protocol, ProtocolRequest } from "./types.js";

/** Sampling fields shared by both OpenAI routes; `top_k`, `seed` and `ignore_eos` are extensions most engines accept. */
export function openAISamplingFields(request: GenerateRequest): Record<string, unknown> {
  return definedEntries({
    model: request.model,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
    seed: request.seed,
    // Sent only when asked for: engines that do not know the field may reject it.
    ignore_eos: request.ignoreEos ? true : undefined,
    stream: true,
    stream_options: { include_usage: true },
  });
}

export const openaiCompletions: Protocol = {
  name: "openai-completions",
  buildStreamRequest(request: GenerateRequest): ProtocolRequest {
    return {
      path: "/v1/completions",
      body: {
        prompt: promptText(request),
        ...openAISamplingFields(request),
        ...(request.topLogprobs !== undefined ? { logprobs: request.topLogprobs } : {}),
      },
    };
  },
  parseStream(body, now) {
    return parseOpenAIStream(body, now, (choice) => stringField(choice, "text") ?? "");
  },
};
