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
 * - `undici`: one undici `Agent` (`undici-transport.ts`), for `https:` and for comparison.
 *
 * Both use one connection per request in flight (no pipelining), keep-alive reuse, and at least
 * as many connections as the concurrency cap, so no request waits for a free connection; a new
 * connection still has to be opened first. Both say when a request's bytes went out
 * (`onRequestWritten`), which is when it can reach the server.
 */
import { KittError } from "../../errors.js";
import { DEFAULT_BODY_TIMEOUT_MS, DEFAULT_HEADERS_TIMEOUT_MS } from "../../protocols/http/connection-pools.js";
import { HttpPool } from "./http-pool.js";
import type { Transport, TransportOptions } from "./types.js";
import { UndiciTransport } from "./undici-transport.js";

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
