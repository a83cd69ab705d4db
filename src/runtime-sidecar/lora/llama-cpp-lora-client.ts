/**
 * llama.cpp's adapters: llama-server reads them only at start (`--lora FILE`,
 * `--lora-scaled FILE:0` to start them off); `GET /lora-adapters` lists them as
 * `[{id, path, scale}]` and `POST /lora-adapters [{id, scale}]` sets every scale at once (an
 * adapter left out gets 0). "Load" finds the started adapter with the same file (by path or by
 * content) and sets its scale to 1, "unload" sets it to 0. llama.cpp has no adapter names: the
 * names they were loaded under are kept here, so they last as long as this client.
 */
import { isAbsolute, resolve } from "node:path";
import type { LoraSupport } from "../../engines/types.js";
import { isObject } from "../../json.js";
import { requestEngineJson, type EngineEndpoint } from "../../protocols/http/engine-request.js";
import { ggufFile, sameContent } from "./adapter-files.js";
import type { EngineLoraClient, LoraAdapterInfo } from "./lora-client.js";
import { loraRefused } from "./engine-refusal.js";

type ScaleLora = Extract<LoraSupport, { api: "llama-cpp-scales" }>;

interface StartedAdapter {
  id: number;
  path: string;
  scale: number;
}

export class LlamaCppLoraClient implements EngineLoraClient {
  /** Adapter ids by the name they were loaded under. */
  readonly #names = new Map<string, number>();
  /** Each change reads every scale and writes them all back: one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly endpoint: EngineEndpoint,
    private readonly lora: ScaleLora,
    private readonly timeoutMs: number,
  ) {}

  get engine(): string {
    return this.endpoint.name;
  }

  load(name: string, localPath: string, signal?: AbortSignal): Promise<void> {
    return this.#serially(async () => {
      const file = await ggufFile(localPath);
      const started = await this.#started(signal);
      const match = await findSame(started, file);
      if (match === undefined) {
        const given = started.length === 0 ? "none" : started.map((adapter) => adapter.path).join(", ");
        throw loraRefused(`llama.cpp loads adapters only at start (--lora FILE): adapter '${name}' is none of those llama-server at ${this.endpoint.baseUrl} was started with (${given})`);
      }
      const current = this.#names.get(name);
      if (current !== undefined && current !== match.id) {
        throw loraRefused(`adapter '${name}' is already loaded as llama.cpp adapter ${current} (${started.find((adapter) => adapter.id === current)?.path ?? "?"}); unload it first`);
      }
      await this.#setScale(started, match.id, 1, signal);
      this.#names.set(name, match.id);
    });
  }

  unload(name: string, signal?: AbortSignal): Promise<void> {
    return this.#serially(async () => {
      const id = this.#names.get(name);
      if (id === undefined) throw loraRefused(`no adapter named '${name}' was loaded into llama.cpp through this runtime`);
      await this.#setScale(await this.#started(signal), id, 0, signal);
      this.#names.delete(name);
    });
  }

  async list(signal?: AbortSignal): Promise<LoraAdapterInfo[]> {
    const started = await this.#started(signal);
    const nameOf = new Map([...this.#names].map(([name, id]) => [id, name]));
    return started.map((adapter) => ({ name: nameOf.get(adapter.id), id: adapter.id, path: adapter.path, scale: adapter.scale, loaded: adapter.scale !== 0 }));
  }

  async #started(signal?: AbortSignal): Promise<StartedAdapter[]> {
    const answer = await requestEngineJson(this.endpoint, { path: this.lora.adaptersPath, signal, timeoutMs: this.timeoutMs });
    if (!Array.isArray(answer)) throw loraRefused(`llama.cpp at ${this.endpoint.baseUrl} answered GET ${this.lora.adaptersPath} with something other than a list of adapters`);
    return answer.filter(isObject).map((entry) => ({ id: Number(entry.id), path: String(entry.path ?? ""), scale: Number(entry.scale ?? 0) }));
  }

  async #setScale(started: readonly StartedAdapter[], id: number, scale: number, signal?: AbortSignal): Promise<void> {
    const scales = started.map((adapter) => ({ id: adapter.id, scale: adapter.id === id ? scale : adapter.scale }));
    const answer = await requestEngineJson(this.endpoint, { path: this.lora.adaptersPath, body: scales, signal, timeoutMs: this.timeoutMs });
    if (!isObject(answer) || answer.success !== true) throw loraRefused(`llama.cpp did not confirm the new adapter scales: ${JSON.stringify(answer).slice(0, 200)}`);
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * The started adapter that is `file`: the same path, or, for a file the engine read elsewhere (a
 * copy in the runtime's cache), the same bytes. Paths llama-server reports relative to its own
 * folder cannot be read from here and never match by content.
 */
async function findSame(started: readonly StartedAdapter[], file: string): Promise<StartedAdapter | undefined> {
  const wanted = resolve(file);
  const samePath = started.find((adapter) => isAbsolute(adapter.path) && resolve(adapter.path) === wanted);
  if (samePath) return samePath;
  for (const adapter of started) if (isAbsolute(adapter.path) && (await sameContent(adapter.path, file))) return adapter;
  return undefined;
}
