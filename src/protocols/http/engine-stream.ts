/**
 * A streamed POST to an engine (a generation), its answer read as text pieces as they arrive.
 * Failures are worded as every engine request's (`request-failures.ts`); an abort by the caller's
 * signal is let through as it is.
 */
import { request as undiciRequest, type Dispatcher } from "undici";
import { engineAgent } from "./connection-pools.js";
import { requestNames, trimBaseUrl, type EngineEndpoint } from "./engine-request.js";
import { answeredFailure, brokeOffFailure, unansweredFailure, type RequestNames } from "./request-failures.js";

export interface EngineStreamRequest {
  path: string;
  /** Sent as JSON. */
  body: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The connection pool; by default a shared one per timeout pair. */
  dispatcher?: Dispatcher;
  /** Time allowed until the answer starts (default 600 s). */
  headersTimeoutMs?: number;
  /** Longest silence allowed within the answer (default 300 s). */
  bodyTimeoutMs?: number;
}

export interface OpenedEngineStream {
  /** `performance.now()` taken just before the request was handed to the connection. */
  startedAt: number;
  /** The answer as text; multi-byte characters split across reads are kept whole. Consume it to the end (or `return()` it) so the connection is released. */
  text: AsyncGenerator<string>;
}

/** Sends the request and waits until the answer starts; fails unless its status is 2xx. */
export async function openEngineStream(endpoint: EngineEndpoint, request: EngineStreamRequest): Promise<OpenedEngineStream> {
  const { signal } = request;
  const baseUrl = trimBaseUrl(endpoint.baseUrl);
  const dispatcher = request.dispatcher ?? engineAgent(request.headersTimeoutMs, request.bodyTimeoutMs);
  const payload = JSON.stringify(request.body);
  const startedAt = performance.now();
  let response: Dispatcher.ResponseData;
  try {
    response = await undiciRequest(baseUrl + request.path, {
      method: "POST",
      headers: { "content-type": "application/json", ...request.headers },
      body: payload,
      dispatcher,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw unansweredFailure(requestNames(endpoint, request.path), error);
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    throw answeredFailure(requestNames(endpoint, request.path), response.statusCode, await response.body.text().catch(() => ""));
  }
  return { startedAt, text: decodedText(response.body, () => requestNames(endpoint, request.path), signal) };
}

async function* decodedText(body: AsyncIterable<Uint8Array>, names: () => RequestNames, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  try {
    for await (const bytes of body) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) yield text;
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    throw brokeOffFailure(names(), true, error);
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}
