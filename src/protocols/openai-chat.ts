/** `POST /v1/chat/completions`, streamed. The first chunk usually carries only the assistant role. */
import { asRecord, stringField } from "./json-fields.js";
import { openAISamplingFields } from "./openai-completions.js";
import { parseOpenAIStream } from "./openai-stream.js";
import { chatMessages } from "./request-text.js";
import type { GenerateRequest, Protocol, ProtocolRequest } from "./types.js";

export const openaiChat: Protocol = {
  name: "openai-chat",
  buildStreamRequest(request: GenerateRequest): ProtocolRequest {
    return {
      path: "/v1/chat/completions",
      body: {
        messages: chatMessages(request),
        ...openAISamplingFields(request),
        ...(request.topLogprobs !== undefined ? { logprobs: true, top_logprobs: request.topLogprobs } : {}),
      },
    };
  },
  parseStream(body, now) {
    // Reasoning deltas still make a chunk (they took time) but are not part of the answer text.
    return parseOpenAIStream(body, now, (choice) => stringField(asRecord(choice.delta), "content") ?? "");
  },
};
