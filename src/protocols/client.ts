/**
 * Streams one generation from an engine over HTTP and turns it into timed events, then
 * collects those into a GenerateResult using vLLM's definitions: start = just before the
 * request is written, TTFT = first chunk − start, E2EL = last chunk − start.
 */
import type { Dispatcher } from "undici";
import { KittError } from "../errors.js";
import { openEngineStream } from "./http/engine-stream.js";
import type { GenerateRequest, GenerateResult, Protocol, ServerTimingsEvent, StreamEvent, UsageEvent } from "./types.js";

export interface GenerationStreamOptions {
  /** The engine's base URL, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  protocol: Protocol;
  request: GenerateRequest;
  signal?: AbortSignal;
  /** Connection pool to use; by default a shared pool per timeout pair. */
  dispatcher?: Dispatcher;
  headers?: Record<string, string>;
  /** How error messages name the engine, e.g. "vLLM". */
  engineName?: string;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export interface OpenedGenerationStream {
  /** `performance.now()` taken just before the request was handed to the connection. */
  startedAt: number;
  /** The answer as events; consume it to the end (or `return()` it) so the connection is released. */
  events: AsyncGenerator<StreamEvent>;
}

/**
 * Sends the request and waits for the response headers; fails with ENGINE_REQUEST_FAILED when
 * the engine cannot be reached or answers with a non-2xx status.
 */
export async function openGenerationStream(options: GenerationStreamOptions): Promise<OpenedGenerationStream> {
  const built = options.protocol.buildStreamRequest(options.request);
  const { startedAt, text } = await openEngineStream(
    { baseUrl: options.baseUrl, name: options.engineName ?? "engine" },
    {
      path: built.path,
      body: built.body,
      headers: { ...built.headers, ...options.headers },
      signal: options.signal,
      dispatcher: options.dispatcher,
      headersTimeoutMs: options.headersTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
    },
  );
  return { startedAt, events: options.protocol.parseStream(text, () => performance.now()) };
}

/** One streamed generation as events: chunks stamped with arrival times, then usage and timings. */
export async function* streamGeneration(options: GenerationStreamOptions): AsyncGenerator<StreamEvent> {
  const { events } = await openGenerationStream(options);
  yield* events;
}

/** One streamed generation, collected. */
export async function generate(options: GenerationStreamOptions): Promise<GenerateResult> {
  const { startedAt, events } = await openGenerationStream(options);
  return collectGeneration(events, startedAt);
}

/**
 * Reduces a stream to its result. `chunkTimes` are milliseconds since `startedAt`.
 * Completion tokens come from the server's own count when it gave one ("server"); otherwise they
 * are the chunks' token counts, or one per non-empty chunk where the protocol does not say ("chunks").
 */
export async function collectGeneration(events: AsyncIterable<StreamEvent>, startedAt: number): Promise<GenerateResult> {
  let text = "";
  const arrivals: number[] = [];
  let countedTokens = 0;
  let usage: UsageEvent | undefined;
  let timings: ServerTimingsEvent | undefined;
  for await (const event of events) {
    if (event.type === "chunk") {
      text += event.text;
      arrivals.push(event.at);
      countedTokens += event.tokens ?? (event.text ? 1 : 0);
    } else if (event.type === "usage") {
      usage = event;
    } else {
      timings = event;
    }
  }
  const first = arrivals[0];
  const last = arrivals[arrivals.length - 1];
  if (first === undefined || last === undefined) {
    throw new KittError("ENGINE_REQUEST_FAILED", "the engine answered but streamed no output");
  }
  if (first <= startedAt) {
    throw new KittError("INTERNAL", "the request start was taken after the first chunk arrived; TTFT would not be positive");
  }
  const serverTokens = usage?.completionTokens;
  const { type: _timingsType, ...serverTimings } = timings ?? { type: "timings" };
  return {
    text,
    promptTokens: usage?.promptTokens,
    completionTokens: serverTokens ?? countedTokens,
    tokenSource: serverTokens !== undefined ? "server" : "chunks",
    ttftMs: first - startedAt,
    e2eMs: last - startedAt,
    chunkTimes: arrivals.map((at) => at - startedAt),
    finishReason: usage?.finishReason,
    ...(timings ? { serverTimings } : {}),
  };
}
