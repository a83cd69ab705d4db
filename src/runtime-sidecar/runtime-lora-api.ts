/**
 * A client of a running `kitt runtime`'s LoRA routes (`lora-routes.ts`), for `kitt lora`. The
 * runtime's failures come back as the `KittError` it raised (its `code` travels in the answer),
 * so they end with the same one line and exit code as if they had happened here.
 */
import { EXIT_CODES, KittError, type ErrorCode } from "../errors.js";
import { isObject } from "../json.js";
import { parseEngineJson, sendToEngine, type EngineEndpoint, type EngineRequest } from "../protocols/http/engine-request.js";
import type { LoraAdapterInfo } from "./lora/lora-client.js";

export interface RuntimeConnection {
  /** e.g. `http://127.0.0.1:9000`. */
  url: string;
  /** Sent as `Authorization: Bearer`; never printed. */
  token?: string;
  /** Longest the whole request may take. */
  timeoutMs: number;
}

export interface RuntimeAdapterList {
  engine: string;
  adapters: LoraAdapterInfo[];
}

export async function loadAdapter(runtime: RuntimeConnection, name: string, uri: string): Promise<{ path: string }> {
  const answer = await call(runtime, { path: "/v1/lora/load", body: { lora_name: name, artifact_url: uri } });
  return { path: isObject(answer) && typeof answer.path === "string" ? answer.path : "" };
}

export async function unloadAdapter(runtime: RuntimeConnection, name: string): Promise<void> {
  await call(runtime, { path: "/v1/lora/unload", body: { lora_name: name } });
}

export async function listAdapters(runtime: RuntimeConnection): Promise<RuntimeAdapterList> {
  const answer = await call(runtime, { path: "/v1/lora" });
  if (!isObject(answer) || !Array.isArray(answer.adapters)) throw new KittError("ENGINE_REQUEST_FAILED", `kitt runtime at ${runtime.url} answered GET /v1/lora without a list of adapters`);
  return { engine: String(answer.engine ?? ""), adapters: answer.adapters as unknown as LoraAdapterInfo[] };
}

async function call(runtime: RuntimeConnection, request: Pick<EngineRequest, "path" | "body">): Promise<unknown> {
  const endpoint: EngineEndpoint = { baseUrl: runtime.url, name: "kitt runtime", namedWithUrl: true };
  const full: EngineRequest = {
    ...request,
    headers: runtime.token === undefined ? undefined : { authorization: `Bearer ${runtime.token}` },
    timeoutMs: runtime.timeoutMs,
  };
  const answer = await sendToEngine(endpoint, full);
  const body = parseBodyLoosely(answer.body);
  if (answer.status >= 200 && answer.status < 300) return parseEngineJson(endpoint, full, answer.body);
  const said = isObject(body) && typeof body.error === "string" ? body.error : answer.body.toString("utf8").trim().split("\n")[0] || "(empty body)";
  if (answer.status === 401 || answer.status === 403) {
    throw new KittError("USAGE", `kitt runtime at ${runtime.url} refused the request (${answer.status}): ${runtime.token === undefined ? "it needs a token: pass --token-file or set KITT_RUNTIME_TOKEN" : "check the token (--token-file or KITT_RUNTIME_TOKEN)"}`);
  }
  if (isObject(body) && typeof body.code === "string" && body.code in EXIT_CODES) throw new KittError(body.code as ErrorCode, said);
  throw new KittError("ENGINE_REQUEST_FAILED", `kitt runtime at ${runtime.url} answered ${answer.status}: ${said}`);
}

function parseBodyLoosely(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}
