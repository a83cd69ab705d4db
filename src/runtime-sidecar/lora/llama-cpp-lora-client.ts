/**
 * llama.cpp's adapters: llama-server reads them only at start (`--lora FILE`,
 * `--lora-scaled FILE:0` to start them off); `GET /lora-adapters` lists them as
 * `[{id, path, scale}]` and `POST /lora-adapters [{id, scale}]` sets every scale at once (an
 * adapter left out gets 0). "Load" finds the started adapter with the same file (by path or by
 * content) and sets its scale to 1, "unload" sets it to 0. llama.cpp has no adapter names: the
 * names they were loaded under are kept here, with each adapter's id and path, and saved in
 * `namesFile` when given, so a restarted runtime still knows them. A kept name whose id
 * llama-server now gives another path (it was restarted with other adapters) is forgotten.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { writeJsonAtomically } from "../../fs/atomic-file.js";
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

/** An adapter a name was loaded as: its id and the path llama-server gave for it then. */
interface NamedAdapter {
  id: number;
  path: string;
}

export class LlamaCppLoraClient implements EngineLoraClient {
  /** Adapters by the name they were loaded under (read from `namesFile` on first use). */
  #names: Map<string, NamedAdapter> | undefined;
  /** Each change reads every scale and writes them all back: one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly endpoint: EngineEndpoint,
    private readonly lora: ScaleLora,
    private readonly timeoutMs: number,
    /** Where the names are kept between runs (none: in memory only). */
    private readonly namesFile?: string,
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
      const names = await this.#currentNames(started);
      const current = names.get(name);
      if (current !== undefined && current.id !== match.id) {
        throw loraRefused(`adapter '${name}' is already loaded as llama.cpp adapter ${current.id} (${current.path}); unload it first`);
      }
      await this.#setScale(started, match.id, 1, signal);
      names.set(name, { id: match.id, path: match.path });
      await this.#saveNames(names);
    });
  }

  unload(name: string, signal?: AbortSignal): Promise<void> {
    return this.#serially(async () => {
      const started = await this.#started(signal);
      const names = await this.#currentNames(started);
      const adapter = names.get(name);
      if (adapter === undefined) throw loraRefused(`no adapter named '${name}' was loaded into llama.cpp through this runtime`);
      await this.#setScale(started, adapter.id, 0, signal);
      names.delete(name);
      await this.#saveNames(names);
    });
  }

  async list(signal?: AbortSignal): Promise<LoraAdapterInfo[]> {
    const started = await this.#started(signal);
    const nameOf = new Map([...(await this.#currentNames(started))].map(([name, adapter]) => [adapter.id, name]));
    return started.map((adapter) => ({ name: nameOf.get(adapter.id), id: adapter.id, path: adapter.path, scale: adapter.scale, loaded: adapter.scale !== 0 }));
  }

  /** The kept names whose adapter llama-server still has (same id, same path). */
  async #currentNames(started: readonly StartedAdapter[]): Promise<Map<string, NamedAdapter>> {
    this.#names ??= await this.#readNames();
    for (const [name, adapter] of this.#names) {
      if (!started.some((other) => other.id === adapter.id && other.path === adapter.path)) this.#names.delete(name);
    }
    return this.#names;
  }

  async #readNames(): Promise<Map<string, NamedAdapter>> {
    if (this.namesFile === undefined) return new Map();
    let saved: unknown;
    try {
      saved = JSON.parse(await readFile(this.namesFile, "utf8"));
    } catch {
      return new Map(); // none yet, or unreadable: names are a convenience, the engine's state is what counts
    }
    const names = isObject(saved) && saved.engine === this.endpoint.baseUrl && isObject(saved.names) ? saved.names : {};
    const kept = new Map<string, NamedAdapter>();
    for (const [name, adapter] of Object.entries(names)) {
      if (isObject(adapter) && typeof adapter.id === "number" && typeof adapter.path === "string") kept.set(name, { id: adapter.id, path: adapter.path });
    }
    return kept;
  }

  async #saveNames(names: ReadonlyMap<string, NamedAdapter>): Promise<void> {
    if (this.namesFile !== undefined) await writeJsonAtomically(this.namesFile, { engine: this.endpoint.baseUrl, names: Object.fromEntries(names) });
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
