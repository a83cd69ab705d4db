/**
 * Ollama's native `POST /api/generate`: newline-delimited JSON, one object per piece of output;
 * the last has `done: true` with token counts and durations in nanoseconds.
 */
import { numberField, stringField } from "./json-fields.js";
import { ndjsonLines } from "./ndjson-lines.js";
import { definedEntries, promptText } from "./request-text.js";
import { parseStreamJson } from "./stream-json.js";
import type { GenerateRequest, Protocol, ProtocolRequest, StreamEvent } from "./types.js";

const NS_PER_MS = 1e6;

export const ollamaGenerate: Protocol = {
  name: "ollama-generate",
  buildStreamRequest(request: GenerateRequest): ProtocolRequest {
    // Ollama has no ignore-EOS option; `raw` is left off so the model's own template applies.
    const options = definedEntries({
      temperature: request.temperature,
      top_p: request.topP,
      top_k: request.topK,
      num_predict: request.maxTokens,
      stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
      seed: request.seed,
    });
    return {
      path: "/api/generate",
      body: definedEntries({
        model: request.model,
        prompt: promptText(request),
        stream: true,
        options,
        logprobs: request.topLogprobs !== undefined ? true : undefined,
        top_logprobs: request.topLogprobs,
      }),
    };
  },
  async *parseStream(body, now): AsyncGenerator<StreamEvent> {
    for await (const line of ndjsonLines(body)) {
      const at = now();
      const json = parseStreamJson(line);
      const text = stringField(json, "response") ?? "";
      if (json.done !== true) {
        yield { type: "chunk", text, at };
        continue;
      }
      if (text) yield { type: "chunk", text, at };
      yield {
        type: "usage",
        promptTokens: numberField(json, "prompt_eval_count"),
        completionTokens: numberField(json, "eval_count"),
        finishReason: stringField(json, "done_reason"),
      };
      yield {
        type: "timings",
        promptMs: nanosToMs(numberField(json, "prompt_eval_duration")),
        generationMs: nanosToMs(numberField(json, "eval_duration")),
        loadMs: nanosToMs(numberField(json, "load_duration")),
      };
    }
  },
};

function nanosToMs(nanos: number | undefined): number | undefined {
  return nanos === undefined ? undefined : nanos / NS_PER_MS;
}
