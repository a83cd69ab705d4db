/**
 * Streams one generation from an engine over HTTP and turns it into timed events, then
 * collects those into a GenerateResult using vLLM's definitions: start = just before the
 * request is written, TTFT = first chunk − start, E2EL = last chunk − start.
 */
import { Agent, request, type Dispatcher } from "undici";
import { KittError } from "../errors.js";
import type { GenerateRequest, GenerateResult, Protocol, ServerTimingsEvent, StreamEvent, UsageEvent } from "./types.js";

/** Time allowed until response headers arrive: a long prompt queued behind others can take minutes. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
/** Longest silence allowed between two pieces of a streamed body. */
export const DEFAULT_BODY_TIMEOUT_MS = 300_000;

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

const agents = new Map<string, Agent>();

/** A keep-alive connection pool with kitt's timeouts, shared by every call using the same pair. */
export function engineAgent(
  headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS,
  bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
): Agent {
  const key = `${headersTimeoutMs}/${bodyTimeoutMs}`;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ headersTimeout: headersTimeoutMs, bodyTimeout: bodyTimeoutMs });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * Sends the request and waits for the response headers; fails with ENGINE_REQUEST_FAILED when
 * the engine cannot be reached or answers with a non-2xx status.
 */
export async function openGenerationStream(options: GenerationStreamOptions): Promise<OpenedGenerationStream> {
  const built = options.protocol.buildStreamRequest(options.request);
  const engine = options.engineName ?? "engine";
  const url = options.baseUrl.replace(/\/+$/, "") + built.path;
  const dispatcher = options.dispatcher ?? engineAgent(options.headersTimeoutMs, options.bodyTimeoutMs);
  const payload = JSON.stringify(built.body);
  const startedAt = performance.now();
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...built.headers, ...options.headers },
      body: payload,
      dispatcher,
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new KittError("ENGINE_REQUEST_FAILED", `cannot reach ${engine} at ${options.baseUrl}: ${networkReason(error)}`, {
      cause: error,
    });
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const text = await response.body.text().catch(() => "");
    const firstLine = text.split("\n").find((line) => line.trim())?.trim() ?? "(empty body)";
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine} answered ${response.statusCode}: ${firstLine.slice(0, 300)}`);
  }
  const body = decodedText(response.body, engine, options.signal);
  return { startedAt, events: options.protocol.parseStream(body, () => performance.now()) };
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

/** The body as text pieces; multi-byte characters split across reads are kept whole. */
async function* decodedText(body: AsyncIterable<Uint8Array>, engine: string, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  try {
    for await (const bytes of body) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) yield text;
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine} stream broke off: ${networkReason(error)}`, { cause: error });
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** One line for a failed connection; connect errors may be an AggregateError over IPv4 and IPv6 attempts. */
function networkReason(error: unknown): string {
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  if (!(inner instanceof Error)) return String(inner);
  const code = (inner as { code?: unknown }).code;
  const message = inner.message || inner.name;
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
}
