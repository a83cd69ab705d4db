/**
 * llama.cpp's native `POST /completion`, streamed: one event per token with `content` (and, in
 * recent builds, a running `tokens_predicted`); the last event has `stop: true`, the token counts
 * and `timings{prompt_n, prompt_ms, predicted_n, predicted_ms}`.
 */
import { asRecord, numberField, stringField, type JsonRecord } from "./json-fields.js";
import { llamaCppTimings } from "./openai-stream.js";
import { definedEntries, promptText } from "./request-text.js";
import { sseData } from "./sse-data.js";
import { parseStreamJson } from "./stream-json.js";
import type { GenerateRequest, Protocol, ProtocolRequest, ServerTimingsEvent, StreamEvent } from "./types.js";

export const llamacppCompletion: Protocol = {
  name: "llamacpp-completion",
  buildStreamRequest(request: GenerateRequest): ProtocolRequest {
    return {
      path: "/completion",
      body: definedEntries({
        prompt: promptText(request),
        n_predict: request.maxTokens,
        stream: true,
        temperature: request.temperature,
        top_p: request.topP,
        top_k: request.topK,
        stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
        seed: request.seed,
        ignore_eos: request.ignoreEos ? true : undefined,
        n_probs: request.topLogprobs,
      }),
    };
  },
  async *parseStream(body, now): AsyncGenerator<StreamEvent> {
    let predicted = 0;
    let timings: ServerTimingsEvent | undefined;
    for await (const data of sseData(body)) {
      if (data.trim() === "[DONE]") continue;
      const at = now();
      const json = parseStreamJson(data);
      const timingsJson = asRecord(json.timings);
      if (timingsJson) timings = llamaCppTimings(timingsJson);
      const content = stringField(json, "content") ?? "";
      const running = numberField(json, "tokens_predicted");
      if (json.stop !== true) {
        // Builds without a running count leave `tokens` unknown; a withheld stop word arrives as empty content.
        const tokens = running === undefined ? undefined : running - predicted;
        if (running !== undefined) predicted = running;
        yield { type: "chunk", text: content, at, ...(tokens !== undefined && tokens > 0 ? { tokens } : {}) };
        continue;
      }
      if (content) yield { type: "chunk", text: content, at };
      yield {
        type: "usage",
        promptTokens: numberField(json, "tokens_evaluated") ?? numberField(timingsJson, "prompt_n"),
        completionTokens: running ?? numberField(timingsJson, "predicted_n"),
        finishReason: stopReason(json),
      };
    }
    if (timings) yield timings;
  },
};

/** `stop_type` in recent builds (`eos`, `limit`, `word`); older builds set one of three booleans. */
function stopReason(json: JsonRecord): string | undefined {
  const stopType = stringField(json, "stop_type");
  if (stopType) return stopType;
  if (json.stopped_eos === true) return "eos";
  if (json.stopped_limit === true) return "limit";
  if (json.stopped_word === true) return "word";
  return undefined;
}
