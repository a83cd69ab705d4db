/**
 * Wire-protocol contracts shared by every engine. A protocol knows how to build one
 * generation request for an engine's HTTP API and how to turn its streamed answer into
 * `StreamEvent`s; it knows nothing about containers or processes.
 */

export type ProtocolName =
  | "openai-completions"
  | "openai-chat"
  | "ollama-generate"
  | "tgi-generate"
  | "llamacpp-completion";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface GenerateRequest {
  /** Plain prompt (completion-style protocols). Chat protocols wrap it as one user message. */
  prompt?: string;
  /** Chat messages (chat protocols); completion protocols join their contents. */
  messages?: ChatMessage[];
  /** Model name the server knows the model by; engines fill this in. */
  model?: string;
  maxTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  /** Keep generating past end-of-sequence so outputs reach exactly `maxTokens` (where the engine supports it). */
  ignoreEos?: boolean;
  seed?: number;
  /** Top-k log-probabilities of generated tokens, where the protocol supports it. */
  topLogprobs?: number;
}

/** One streamed piece of output with its arrival time (`performance.now()` milliseconds). */
export interface ChunkEvent {
  type: "chunk";
  text: string;
  at: number;
  /** Tokens in this chunk when the server says so (TGI, Ollama, llama.cpp native); otherwise absent. */
  tokens?: number;
}

/** Server-reported token counts (OpenAI `usage`, Ollama `eval_count`, TGI `details`, llama.cpp `timings`). */
export interface UsageEvent {
  type: "usage";
  promptTokens?: number;
  completionTokens?: number;
  finishReason?: string;
}

/** Server-side timings in milliseconds, where the engine reports them. */
export interface ServerTimingsEvent {
  type: "timings";
  promptMs?: number;
  generationMs?: number;
  loadMs?: number;
  queueMs?: number;
}

export type StreamEvent = ChunkEvent | UsageEvent | ServerTimingsEvent;

export interface ProtocolRequest {
  path: string;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface Protocol {
  readonly name: ProtocolName;
  /** Builds the HTTP request for one streamed generation. */
  buildStreamRequest(request: GenerateRequest): ProtocolRequest;
  /**
   * Turns the response body into events. `body` yields decoded text pieces as they arrive;
   * implementations stamp each chunk with `now()` at the moment its bytes were parsed.
   */
  parseStream(body: AsyncIterable<string>, now: () => number): AsyncGenerator<StreamEvent>;
}

/** What one finished generation produced. Latencies are milliseconds. */
export interface GenerateResult {
  text: string;
  promptTokens?: number;
  completionTokens?: number;
  /** Where `completionTokens` came from: the server's own count, or counted chunks when the server gave none. */
  tokenSource: "server" | "chunks";
  /** Time from just before the request was written to the first output chunk. Never 0 for a real generation. */
  ttftMs: number;
  /** Time from just before the request was written to the last chunk. */
  e2eMs: number;
  /** Arrival time of each chunk, in milliseconds since the request start (the first equals `ttftMs`). */
  chunkTimes: number[];
  finishReason?: string;
  serverTimings?: Omit<ServerTimingsEvent, "type">;
}
