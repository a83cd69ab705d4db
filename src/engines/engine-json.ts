/** A small JSON GET against a running engine's own info routes; undefined when it does not answer 2xx with JSON. */
import { requestEngineJson } from "../protocols/http/engine-request.js";
import type { Engine } from "./engine.js";

export async function getJson(engine: Pick<Engine, "baseUrl">, path: string): Promise<unknown> {
  try {
    // Nothing here is shown to a user, so the name in a failure's message does not matter.
    return await requestEngineJson({ baseUrl: engine.baseUrl, name: "engine" }, { method: "GET", path, timeoutMs: 5_000 });
  } catch {
    return undefined;
  }
}
