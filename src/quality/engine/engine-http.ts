/**
 * One non-streamed JSON request to an engine, for the log-probability routes the streaming
 * protocols do not cover. Failures are `ENGINE_REQUEST_FAILED` with the engine's first line.
 * `postForBody` leaves the answer's body undecoded, for answers read in place (`json-scan.ts`).
 */
import type { Dispatcher } from "undici";
import type { Engine } from "../../engines/engine.js";
import { describeError, KittError } from "../../errors.js";
import { engineAgent } from "../../protocols/client.js";

export type EngineHttp = Pick<Engine, "baseUrl" | "spec">;

export async function postJson(engine: EngineHttp, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  return parseAnswer(engine, path, await postForBody(engine, path, body, signal));
}

/** An answer's body parsed as JSON. */
export function parseAnswer(engine: EngineHttp, path: string, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch (error) {
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine.spec.displayName} answered ${path} with something that is not JSON`, { cause: error });
  }
}

/** The answer's body, once the engine answered with a 2xx status. */
export async function postForBody(engine: EngineHttp, path: string, body: unknown, signal?: AbortSignal): Promise<Buffer> {
  const url = engine.baseUrl.replace(/\/+$/, "") + path;
  let answer: { status: number; body: Buffer };
  try {
    answer = await post(new URL(url), JSON.stringify(body), signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw new KittError("ENGINE_REQUEST_FAILED", `cannot reach ${engine.spec.displayName} at ${url}: ${describeError(error)}`, { cause: error });
  }
  const { status } = answer;
  if (status < 200 || status >= 300) {
    const firstLine = answer.body.toString("utf8").split("\n").find((line) => line.trim())?.trim() ?? "(empty body)";
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine.spec.displayName} answered ${status} on ${path}: ${firstLine.slice(0, 300)}`);
  }
  return answer.body;
}

/**
 * The aborts of the requests in flight under each signal, called by one listener per signal: a
 * quality run has hundreds of requests in flight under its one signal, and `addEventListener`
 * looks through every listener already there.
 */
const inFlight = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `abort` when `signal` aborts; the function returned forgets it. */
function onAbort(signal: AbortSignal, abort: () => void): () => void {
  let aborts = inFlight.get(signal);
  if (aborts === undefined) {
    const all = new Set<() => void>();
    signal.addEventListener("abort", () => [...all].forEach((each) => each()), { once: true });
    inFlight.set(signal, all);
    aborts = all;
  }
  aborts.add(abort);
  return () => inFlight.get(signal)?.delete(abort);
}

/**
 * One POST over the engine connection pool, its answer's body collected, through undici's
 * `dispatch` and a handler of its own: `request()` puts every answer behind a stream, which took
 * half as much CPU again per request, and a log-likelihood question makes six.
 */
function post(url: URL, body: string, signal: AbortSignal | undefined): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let forget: (() => void) | undefined;
    let settled = false;
    let status = 0;
    const chunks: Buffer[] = [];
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      forget?.();
      outcome();
    };
    if (signal) {
      forget = onAbort(signal, () => {
        controller?.abort(signal.reason);
        settle(() => reject(signal.reason));
      });
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        // Aborted while it waited for a connection.
        if (signal?.aborted) started.abort(signal.reason);
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
        settle(() => reject(error));
      },
    };
    engineAgent().dispatch(
      { origin: url.origin, path: url.pathname + url.search, method: "POST", headers: { "content-type": "application/json" }, body },
      handler,
    );
  });
}
