/**
 * The streamed answer of the OpenAI-compatible routes, shared by `/v1/completions` and
 * `/v1/chat/completions`. Every chunk whose JSON has a first choice is a ChunkEvent, even with
 * empty text: vLLM's TTFT counts the first chunk with `choices` (the chat role chunk included);
 * callers that want the first non-empty content can look at the text. The `usage` chunk
 * (`choices: []`, requested with `stream_options.include_usage`) and llama.cpp's `timings`
 * become one UsageEvent and one ServerTimingsEvent at the end of the stream.
 */
import { asRecord, numberField, stringField, type JsonRecord } from "./json-fields.js";
import { sseData } from "./sse-data.js";
import { parseStreamJson } from "./stream-json.js";
import type { ServerTimingsEvent, StreamEvent, UsageEvent } from "./types.js";

export async function* parseOpenAIStream(
  body: AsyncIterable<string>,
  now: () => number,
  choiceText: (choice: JsonRecord) => string,
): AsyncGenerator<StreamEvent> {
  let usage: UsageEvent | undefined;
  let finishReason: string | undefined;
  let timings: ServerTimingsEvent | undefined;
  for await (const data of sseData(body)) {
    // Anything after `[DONE]` is ignored, but the body is still read to its end so the connection can be reused.
    if (data.trim() === "[DONE]") continue;
    const at = now();
    const json = parseStreamJson(data);
    const choice = firstChoice(json);
    if (choice) {
      yield { type: "chunk", text: choiceText(choice), at };
      finishReason = stringField(choice, "finish_reason") ?? finishReason;
    }
    // With `continuous_usage_stats` every chunk carries usage; the last one is the total.
    const usageJson = asRecord(json.usage);
    if (usageJson) {
      usage = {
        type: "usage",
        promptTokens: numberField(usageJson, "prompt_tokens"),
        completionTokens: numberField(usageJson, "completion_tokens"),
      };
    }
    const timingsJson = asRecord(json.timings);
    if (timingsJson) timings = llamaCppTimings(timingsJson);
  }
  if (usage || finishReason !== undefined) yield { ...(usage ?? { type: "usage" }), finishReason };
  if (timings) yield timings;
}

/** The first choice of a chunk (index 0 when `n` > 1); undefined for `choices: []`. */
function firstChoice(json: JsonRecord): JsonRecord | undefined {
  if (!Array.isArray(json.choices)) return undefined;
  return json.choices.map(asRecord).find((choice) => choice !== undefined && (numberField(choice, "index") ?? 0) === 0);
}

/** llama.cpp's `timings{prompt_ms, predicted_ms}` (also sent by its native `/completion`). */
export function llamaCppTimings(timings: JsonRecord): ServerTimingsEvent {
  return {
    type: "timings",
    promptMs: numberField(timings, "prompt_ms"),
    generationMs: numberField(timings, "predicted_ms"),
  };
}
