/**
 * The OpenAI-compatible stream (`/v1/completions`, `/v1/chat/completions`) read synchronously,
 * one SSE `data` value at a time, with the same rules as `parseOpenAIStream`: a chunk event for
 * every message with a first choice (empty text included), then one usage event and one timings
 * event when the body ends. Synchronous so the load generator stamps and handles a whole socket
 * read in one go, with no async generator or promise per message.
 *
 * Only what is needed is parsed. Consecutive token messages of one stream are byte-for-byte the
 * same except for the token's text (vLLM, SGLang, llama.cpp all repeat id, model and creation
 * time), so once a message has been parsed, its bytes around the text become a template: a
 * later message with the same bytes before and after one plain JSON string gets that string
 * as its text and the template's other effects, without a JSON parse. Anything else (the last
 * message with its finish reason, usage, a changed field) is parsed in full.
 */
import { asRecord, numberField, stringField, type JsonRecord } from "../../protocols/json-fields.js";
import { llamaCppTimings } from "../../protocols/openai-stream.js";
import { parseStreamJson } from "../../protocols/stream-json.js";
import type { ProtocolName, ServerTimingsEvent, StreamEvent, UsageEvent } from "../../protocols/types.js";

export type OpenAIStreamProtocol = Extract<ProtocolName, "openai-completions" | "openai-chat">;

const OPEN_BRACE = 123;
const QUOTE = 34;
const BACKSLASH = 92;
const FIRST_PRINTABLE = 32;
/** Templates a stream may learn; each costs one extra parse, so a stream whose messages never repeat stops trying. */
const MAX_TEMPLATES = 3;
/** A text no engine sends, to prove where a template's text sits. */
const PROBE_TEXT = "\u0000kitt-template-probe\u0000";

const choiceTexts: Record<OpenAIStreamProtocol, (choice: JsonRecord) => string> = {
  "openai-completions": (choice) => stringField(choice, "text") ?? "",
  "openai-chat": (choice) => stringField(asRecord(choice.delta), "content") ?? "",
};

export function isOpenAIStreamProtocol(name: ProtocolName): name is OpenAIStreamProtocol {
  return name === "openai-completions" || name === "openai-chat";
}

/** A parsed message with its text cut out, and what the message did besides its chunk. */
interface Template {
  before: string;
  after: string;
  finishReason: string | undefined;
  usage: UsageEvent | undefined;
  timings: ServerTimingsEvent | undefined;
}

export class OpenAIStreamEvents {
  private usage: UsageEvent | undefined;
  private finishReason: string | undefined;
  private timings: ServerTimingsEvent | undefined;
  private template: Template | undefined;
  private templatesLearned = 0;
  private readonly choiceText: (choice: JsonRecord) => string;

  constructor(
    protocol: OpenAIStreamProtocol,
    private readonly emit: (event: StreamEvent) => void,
  ) {
    this.choiceText = choiceTexts[protocol];
  }

  /** One event's data, received at `at`; throws a KittError for invalid JSON or a streamed error object. */
  data(data: string, at: number): void {
    // JSON always opens with a brace, so only other values can be the `[DONE]` marker.
    if (data.charCodeAt(0) !== OPEN_BRACE && data.trim() === "[DONE]") return;
    if (this.template !== undefined && this.fromTemplate(this.template, data, at)) return;
    const json = parseStreamJson(data);
    const choice = firstChoice(json);
    let text: string | undefined;
    let finishReason: string | undefined;
    if (choice) {
      text = this.choiceText(choice);
      finishReason = stringField(choice, "finish_reason");
      this.emit({ type: "chunk", text, at });
      this.finishReason = finishReason ?? this.finishReason;
    }
    const usageJson = asRecord(json.usage);
    const usage: UsageEvent | undefined = usageJson && {
      type: "usage",
      promptTokens: numberField(usageJson, "prompt_tokens"),
      completionTokens: numberField(usageJson, "completion_tokens"),
    };
    if (usage) this.usage = usage;
    const timingsJson = asRecord(json.timings);
    const timings = timingsJson && llamaCppTimings(timingsJson);
    if (timings) this.timings = timings;
    if (text !== undefined && this.templatesLearned < MAX_TEMPLATES) this.learn(data, text, { finishReason, usage, timings });
  }

  /** The body ended: emits the usage and timings gathered along the way. */
  end(): void {
    if (this.usage || this.finishReason !== undefined) this.emit({ ...(this.usage ?? { type: "usage" }), finishReason: this.finishReason });
    if (this.timings) this.emit(this.timings);
  }

  /** Handles `data` when it is `template` around one plain JSON string; false when it is not. */
  private fromTemplate(template: Template, data: string, at: number): boolean {
    const { before, after } = template;
    const start = before.length;
    const end = data.length - after.length;
    if (end - start < 2 || data.charCodeAt(start) !== QUOTE || data.charCodeAt(end - 1) !== QUOTE) return false;
    if (!data.startsWith(before) || !data.endsWith(after)) return false;
    const text = jsonStringAt(data, start, end);
    if (text === undefined) return false;
    this.emit({ type: "chunk", text, at });
    this.finishReason = template.finishReason ?? this.finishReason;
    if (template.usage) this.usage = template.usage;
    if (template.timings) this.timings = template.timings;
    return true;
  }

  /**
   * Cuts the message around its text, if the text's JSON form appears exactly once, and keeps
   * the cut as the template once a probe proves that this string is the first choice's text.
   */
  private learn(data: string, text: string, effects: Pick<Template, "finishReason" | "usage" | "timings">): void {
    const encoded = JSON.stringify(text);
    const at = data.indexOf(encoded);
    if (at < 0 || data.indexOf(encoded, at + 1) >= 0) return;
    this.templatesLearned++;
    const before = data.slice(0, at);
    const after = data.slice(at + encoded.length);
    let probe: JsonRecord;
    try {
      probe = parseStreamJson(before + JSON.stringify(PROBE_TEXT) + after);
    } catch {
      return;
    }
    const choice = firstChoice(probe);
    if (choice && this.choiceText(choice) === PROBE_TEXT) this.template = { before, after, ...effects };
  }
}

/**
 * The value of the JSON string token spanning `data[start, end)` (quotes included), or undefined
 * when that span is not exactly one valid string token.
 */
function jsonStringAt(data: string, start: number, end: number): string | undefined {
  for (let i = start + 1; i < end - 1; i++) {
    const code = data.charCodeAt(i);
    if (code === BACKSLASH) return decodeEscaped(data.slice(start, end));
    if (code === QUOTE || code < FIRST_PRINTABLE) return undefined;
  }
  return data.slice(start + 1, end - 1);
}

function decodeEscaped(token: string): string | undefined {
  try {
    const value: unknown = JSON.parse(token);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The choice with index 0 (a missing index counts as 0); undefined for `choices: []`. */
function firstChoice(json: JsonRecord): JsonRecord | undefined {
  const choices = json.choices;
  if (!Array.isArray(choices)) return undefined;
  for (const value of choices) {
    const choice = asRecord(value);
    if (choice !== undefined && (numberField(choice, "index") ?? 0) === 0) return choice;
  }
  return undefined;
}
