/** Every wire protocol kitt speaks, by name. */
import { llamacppCompletion } from "./llamacpp-completion.js";
import { ollamaGenerate } from "./ollama-generate.js";
import { openaiChat } from "./openai-chat.js";
import { openaiCompletions } from "./openai-completions.js";
import { tgiGenerate } from "./tgi-generate.js";
import type { Protocol, ProtocolName } from "./types.js";

export const protocols: Record<ProtocolName, Protocol> = {
  "openai-completions": openaiCompletions,
  "openai-chat": openaiChat,
  "ollama-generate": ollamaGenerate,
  "tgi-generate": tgiGenerate,
  "llamacpp-completion": llamacppCompletion,
};

export function getProtocol(name: ProtocolName): Protocol {
  return protocols[name];
}
