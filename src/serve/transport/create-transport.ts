/**
 * How the load generator's requests reach the engine. Two transports share one handler contract:
 *
 * - `fast` (plain `http:`): kitt's own keep-alive HTTP/1.1 connections (`http-pool.ts`)
 *   that read each socket straight into one reused buffer (`net` `onread`), with no stream objects
 *   between the socket and the SSE scanner. undici's per-read path (a Readable stream plus a
 *   WebAssembly HTTP parser) costs more CPU per chunk, about 1.7× in the self-test: on a 2-core
 *   machine the client's ceiling through undici was about 5,600 req/s of 16-token streams and 320,000
 *   chunks/s, against about 9,700 and 800,000 here; and with 256 streams of a token every 10 ms
 *   on a loaded machine undici stamped chunks 10–17 ms after the server wrote them at p99, this
 *   path 2–5 ms. `scripts/bench-client.ts` compares the two.
 * - `undici`: one undici `Agent`, for `https:` and for comparison.
 *
 * Both use one connection per request in flight (no pipelining), keep-alive reuse, and at least
 * as many connections as the concurrency cap, so no request waits for a free connection; a new
 * connection still has to be opened first. Both say when a request's bytes went out
 * (`onRequestWritten`), which is when it can reach the server.
 */
import { Agent, type Dispatcher } from "undici";
import { KittError } from "../../errors.js";
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS } from "../../protocols/client.js";
import { HttpPool } from "./http-pool.js";

export type TransportKind = "auto" | "fast" | "undici";

export interface TransportHandler {
  /** The request is on its way; `abort` may be called from now on. */
  onStart(abort: (reason: Error) => void): void;
  /** The request's bytes were written to an open connection (again, if it had to be sent again). */
  onRequestWritten(): void;
  onResponseStart(statusCode: number): void;
  /** Body bytes; valid only during the call. */
  onResponseData(chunk: Buffer): void;
  onResponseEnd(): void;
  onResponseError(error: Error): void;
}

export interface TransportRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Transport {
  send(request: TransportRequest, handler: TransportHandler): void;
  /** Closes every connection. */
  close(): Promise<void>;
}

export interface TransportOptions {
  kind: TransportKind;
  /** Connections to open at most; null for no limit. */
  connections: number | null;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export function createTransport(baseUrl: string, options: TransportOptions): Transport {
  const url = new URL(baseUrl);
  const timeouts = {
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  };
  const plain = url.protocol === "http:";
  if (options.kind === "fast" && !plain) {
    throw new KittError("USAGE", `the fast transport speaks plain HTTP only, not ${url.protocol.replace(/:$/, "")}`);
  }
  if (options.kind === "undici" || !plain) return new UndiciTransport(url, options.connections, timeouts);
  return new HttpPool(url, { maxConnections: options.connections, ...timeouts });
}

class UndiciTransport implements Transport {
  private readonly agent: Agent;
  private readonly origin: string;

  constructor(url: URL, connections: number | null, timeouts: { headersTimeoutMs: number; bodyTimeoutMs: number }) {
    this.origin = url.origin;
    this.agent = new Agent({
      connections,
      pipelining: 1,
      headersTimeout: timeouts.headersTimeoutMs,
      bodyTimeout: timeouts.bodyTimeoutMs,
    });
  }

  send(request: TransportRequest, handler: TransportHandler): void {
    this.agent.dispatch(
      { origin: this.origin, path: request.path, method: "POST", headers: request.headers, body: request.body },
      new UndiciHandler(handler),
    );
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

class UndiciHandler implements Dispatcher.DispatchHandler {
  constructor(private readonly handler: TransportHandler) {}

  /** undici starts a request on a connected socket and writes it right after this returns, in the same turn. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.handler.onStart((reason) => controller.abort(reason));
    this.handler.onRequestWritten();
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.handler.onResponseStart(statusCode);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData(chunk);
  }

  onResponseEnd(): void {
    this.handler.onResponseEnd();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.handler.onResponseError(error);
  }
}
