/**
 * TGI's native `POST /generate_stream`: one server-sent event per generated token
 * (`{index, token{id,text,logprob,special}, generated_text, details}`), no `[DONE]`;
 * the last event has `generated_text` and, with `details: true`, the token counts.
 */
import { asRecord, numberField, stringField } from "./json-fields.js";
import { definedEntries, promptText } from "./request-text.js";
import { sseData } from "./sse-data.js";
import { parseStreamJson } from "./stream-json.js";
import type { GenerateRequest, Protocol, ProtocolRequest, StreamEvent, UsageEvent } from "./types.js";

export const tgiGenerate: Protocol = {
  name: "tgi-generate",
  buildStreamRequest(request: GenerateRequest): ProtocolRequest {
    return { path: "/generate_stream", body: { inputs: promptText(request), parameters: tgiParameters(request) } };
  },
  async *parseStream(body, now): AsyncGenerator<StreamEvent> {
    let usage: UsageEvent | undefined;
    for await (const data of sseData(body)) {
      if (data.trim() === "[DONE]") continue;
      const at = now();
      const json = parseStreamJson(data);
      const token = asRecord(json.token);
      // A special token (end of sequence) is counted but is not part of the text, as in `generated_text`.
      if (token) yield { type: "chunk", text: token.special === true ? "" : (stringField(token, "text") ?? ""), at, tokens: 1 };
      const details = asRecord(json.details);
      if (details) {
        usage = {
          type: "usage",
          // `input_length` since TGI 2.x; older routers sent `prompt_tokens`.
          promptTokens: numberField(details, "input_length") ?? numberField(details, "prompt_tokens"),
          completionTokens: numberField(details, "generated_tokens"),
          finishReason: stringField(details, "finish_reason"),
        };
      }
    }
    if (usage) yield usage;
  },
};

/**
 * TGI validates strictly: temperature and top_k must be positive and top_p strictly inside (0, 1),
 * so greedy decoding is `do_sample: false` rather than `temperature: 0`. TGI has no ignore-EOS option.
 */
function tgiParameters(request: GenerateRequest): Record<string, unknown> {
  const sampling = request.temperature !== undefined && request.temperature > 0;
  return definedEntries({
    max_new_tokens: request.maxTokens,
    details: true,
    do_sample: request.temperature === undefined ? undefined : sampling,
    temperature: sampling ? request.temperature : undefined,
    top_p: request.topP !== undefined && request.topP > 0 && request.topP < 1 ? request.topP : undefined,
    top_k: request.topK !== undefined && request.topK > 0 ? request.topK : undefined,
    stop: request.stop && request.stop.length > 0 ? request.stop : undefined,
    seed: request.seed,
    top_n_tokens: request.topLogprobs,
  });
}
