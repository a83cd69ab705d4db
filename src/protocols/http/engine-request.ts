/**
 * kitt's one client for the engine routes that answer whole: readiness, info and JSON routes,
 * tokenize, log-probabilities, Prometheus metrics. Streamed generations go through
 * `engine-stream.ts`, over the same pools and with the same failure wording
 * (`request-failures.ts`); the serving benchmark's load generator keeps transports of its own.
 *
 * Requests go through undici's `dispatch` with a handler of its own that collects the answer into
 * one Buffer: `request()` puts every answer behind a stream, which took half as much CPU again
 * per request, and a log-likelihood question makes six. An abort by the caller's signal rejects
 * at once with the signal's reason as it is.
 */
import type { Dispatcher } from "undici";
import { onAbort } from "./abort-fanout.js";
import { engineAgent } from "./connection-pools.js";
import {
  answeredFailure,
  brokeOffFailure,
  notJsonFailure,
  timedOutFailure,
  unansweredFailure,
  type RequestNames,
} from "./request-failures.js";

/** Where a running engine answers, and how messages name it. */
export interface EngineEndpoint {
  /** e.g. `http://127.0.0.1:8000`; request paths are appended to it. */
  baseUrl: string;
  /** e.g. "vLLM". */
  name: string;
  /** Messages name the engine with the request's URL: "vLLM at http://127.0.0.1:8000/tokenize answered 500: …". */
  namedWithUrl?: boolean;
}

export interface EngineRequest {
  /** By default POST when there is a body, else GET. */
  method?: "GET" | "POST";
  /** e.g. `/v1/completions`. */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Longest the whole request may take. Without it the pool's limits apply: the shared pool's
   * are 600 s until the answer starts and 300 s of silence within it.
   */
  timeoutMs?: number;
  /** The connection pool; by default the shared one. */
  dispatcher?: Dispatcher;
}

/** An answer of any status, its body whole. */
export interface EngineAnswer {
  status: number;
  body: Buffer;
}

const JSON_HEADERS: Readonly<Record<string, string>> = { "content-type": "application/json" };

/** The base URL without trailing slashes, so that `base + path` has one. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

/** The request's method: as given, else POST when it has a body. */
function methodOf(request: EngineRequest): "GET" | "POST" {
  return request.method ?? (request.body === undefined ? "GET" : "POST");
}

/** How failures of a request to `path` name it (`request-failures.ts`). */
export function requestNames(endpoint: EngineEndpoint, path: string): RequestNames {
  const { name } = endpoint;
  const baseUrl = trimBaseUrl(endpoint.baseUrl);
  if (!endpoint.namedWithUrl) return { who: name, name, where: baseUrl };
  const url = baseUrl + path;
  return { who: `${name} at ${url}`, name, where: url };
}

/** The engine's answer, whatever its status; fails only when no whole answer came. */
export function sendToEngine(endpoint: EngineEndpoint, request: EngineRequest): Promise<EngineAnswer> {
  const { signal, timeoutMs } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const baseUrl = trimBaseUrl(endpoint.baseUrl);
    const url = new URL(baseUrl + request.path);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers = body === undefined ? request.headers : request.headers === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...request.headers };
    let controller: Dispatcher.DispatchController | undefined;
    /** Why the request was cut off, once it was: the controller may arrive later. */
    let cutOffBy: { reason: Error } | undefined;
    let forget: (() => void) | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let settled = false;
    let status = 0;
    const chunks: Buffer[] = [];
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      forget?.();
      clearTimeout(deadline);
      outcome();
    };
    // Settled first: aborting calls `onResponseError` at once. The promise rejects with `reason`
    // as it is; undici only needs it to end the request.
    const cutOff = (reason: Error) => {
      cutOffBy = { reason };
      settle(() => reject(reason));
      controller?.abort(reason);
    };
    if (signal) forget = onAbort(signal, () => cutOff(signal.reason as Error));
    if (timeoutMs !== undefined) deadline = setTimeout(() => cutOff(timedOutFailure(requestNames(endpoint, request.path), timeoutMs)), timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Cut off while it waited for a connection.
        if (cutOffBy !== undefined) started.abort(cutOffBy.reason);
      },
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        const answer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        settle(() => resolve({ status, body: answer }));
      },
      onResponseError(_controller, error) {
        const names = requestNames(endpoint, request.path);
        settle(() => reject(status === 0 ? unansweredFailure(names, error) : brokeOffFailure(names, false, error)));
      },
    };
    (request.dispatcher ?? engineAgent()).dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: methodOf(request), headers, body },
      handler,
    );
  });
}

/** The answer's body, once the engine answered with a 2xx status. */
export async function requestEngine(endpoint: EngineEndpoint, request: EngineRequest): Promise<Buffer> {
  const answer = await sendToEngine(endpoint, request);
  if (answer.status < 200 || answer.status >= 300) throw answeredFailure(requestNames(endpoint, request.path), answer.status, answer.body);
  return answer.body;
}

/** The answer parsed as JSON, once the engine answered with a 2xx status. */
export async function requestEngineJson(endpoint: EngineEndpoint, request: EngineRequest): Promise<unknown> {
  return parseEngineJson(endpoint, request, await requestEngine(endpoint, request));
}

/** An answer's body parsed as JSON. */
export function parseEngineJson(endpoint: EngineEndpoint, request: EngineRequest, body: Buffer): unknown {
  const text = body.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw notJsonFailure(requestNames(endpoint, request.path), text, error);
  }
}
