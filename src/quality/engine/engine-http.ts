/**
 * One non-streamed JSON request to an engine, for the log-probability routes the streaming
 * protocols do not cover. Failures are `ENGINE_REQUEST_FAILED` with the engine's first line.
 */
import { request } from "undici";
import type { Engine } from "../../engines/engine.js";
import { describeError, KittError } from "../../errors.js";
import { engineAgent } from "../../protocols/client.js";

export type EngineHttp = Pick<Engine, "baseUrl" | "spec">;

export async function postJson(engine: EngineHttp, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const url = engine.baseUrl.replace(/\/+$/, "") + path;
  let text: string;
  let status: number;
  try {
    const response = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      dispatcher: engineAgent(),
      signal,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw new KittError("ENGINE_REQUEST_FAILED", `cannot reach ${engine.spec.displayName} at ${url}: ${describeError(error)}`, { cause: error });
  }
  if (status < 200 || status >= 300) {
    const firstLine = text.split("\n").find((line) => line.trim())?.trim() ?? "(empty body)";
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine.spec.displayName} answered ${status} on ${path}: ${firstLine.slice(0, 300)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new KittError("ENGINE_REQUEST_FAILED", `${engine.spec.displayName} answered ${path} with something that is not JSON`, { cause: error });
  }
}
