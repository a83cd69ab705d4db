import type { ChatMessage, GenerateRequest } from "./types.js";

/** The prompt for completion-style protocols: the prompt itself, or the messages' contents joined. */
export function promptText(request: GenerateRequest): string {
  if (request.prompt !== undefined) return request.prompt;
  return (request.messages ?? []).map((message) => message.content).join("\n");
}

/** The messages for chat protocols: the messages themselves, or the prompt as one user message. */
export function chatMessages(request: GenerateRequest): ChatMessage[] {
  if (request.messages && request.messages.length > 0) return request.messages;
  return [{ role: "user", content: request.prompt ?? "" }];
}

/** Copies only the entries whose value is defined, so request bodies carry no `undefined` keys. */
export function definedEntries(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}
