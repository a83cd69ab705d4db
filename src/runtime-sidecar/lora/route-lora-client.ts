/**
 * vLLM's and SGLang's run-time adapter routes: `POST load {lora_name, lora_path}` and
 * `POST unload {lora_name}`, adapters listed in `/v1/models` as the entries with a `parent`.
 * vLLM answers a load with text (`Success: LoRA adapter 'x' added successfully.`) and has the
 * routes only with `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`; SGLang answers
 * `{"success", "error_message", "loaded_adapters"}`, 400 when it refused.
 */
import { isObject } from "../../json.js";
import type { LoraSupport } from "../../engines/types.js";
import { parseEngineJson, requestEngineJson, sendToEngine, type EngineEndpoint } from "../../protocols/http/engine-request.js";
import { peftFolder } from "./adapter-files.js";
import type { EngineLoraClient, LoraAdapterInfo } from "./lora-client.js";
import { engineMessage, isMissingRoute, loraRefused } from "./engine-refusal.js";

type RouteLora = Extract<LoraSupport, { api: "vllm" | "sglang" }>;

export class RouteLoraClient implements EngineLoraClient {
  constructor(
    private readonly endpoint: EngineEndpoint,
    private readonly lora: RouteLora,
    private readonly timeoutMs: number,
  ) {}

  get engine(): string {
    return this.endpoint.name;
  }

  async load(name: string, localPath: string, signal?: AbortSignal): Promise<void> {
    const folder = await peftFolder(localPath);
    await this.#post("load", this.lora.loadPath, { lora_name: name, lora_path: folder }, name, signal);
  }

  async unload(name: string, signal?: AbortSignal): Promise<void> {
    await this.#post("unload", this.lora.unloadPath, { lora_name: name }, name, signal);
  }

  async list(signal?: AbortSignal): Promise<LoraAdapterInfo[]> {
    const models = await requestEngineJson(this.endpoint, { path: this.lora.listPath, signal, timeoutMs: this.timeoutMs });
    const data = isObject(models) && Array.isArray(models.data) ? models.data : [];
    return data.filter(isObject).flatMap((card) =>
      typeof card.id === "string" && typeof card.parent === "string"
        ? [{ name: card.id, path: typeof card.root === "string" ? card.root : undefined, parent: card.parent, loaded: true }]
        : [],
    );
  }

  async #post(action: "load" | "unload", path: string, body: Record<string, string>, name: string, signal?: AbortSignal): Promise<void> {
    const request = { path, body, signal, timeoutMs: this.timeoutMs };
    const answer = await sendToEngine(this.endpoint, request);
    const { status } = answer;
    if (isMissingRoute(status, answer.body)) {
      throw loraRefused(`${this.engine} at ${this.endpoint.baseUrl} cannot ${action} adapters at run time (POST ${path} answered ${status}): ${this.lora.requirement}`);
    }
    const refused = status < 200 || status >= 300 || (this.lora.api === "sglang" && !succeeded(parseEngineJson(this.endpoint, request, answer.body)));
    if (refused) throw loraRefused(`${this.engine} refused to ${action} adapter '${name}' (${status}): ${engineMessage(answer.body)}`);
  }
}

function succeeded(answer: unknown): boolean {
  return isObject(answer) && answer.success === true;
}
