/**
 * A running engine as kitt's engine HTTP client addresses it: its base URL, named in messages by
 * its display name and the request's URL ("vLLM at http://127.0.0.1:8000/tokenize answered 500: …").
 */
import type { EngineEndpoint } from "../protocols/http/engine-request.js";
import type { Engine } from "./engine.js";

export function engineEndpoint(engine: Pick<Engine, "baseUrl" | "spec">): EngineEndpoint {
  return { baseUrl: engine.baseUrl, name: engine.spec.displayName, namedWithUrl: true };
}
