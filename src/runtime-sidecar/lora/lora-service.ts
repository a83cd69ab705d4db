/**
 * What `/v1/lora/*` does: download an adapter into the cache, then load it into the engine;
 * unload; list. Loads of one adapter from one URI that arrive together are one load: they
 * download once and call the engine once, and all get its outcome.
 */
import { KittError } from "../../errors.js";
import { AdapterCache, checkAdapterName, type FetchArtifact } from "./adapter-cache.js";
import { engineLoraClient } from "./engine-lora.js";
import type { EngineLoraClient, LoraAdapterInfo } from "./lora-client.js";

export interface LoraServiceOptions {
  /** kitt's engine name (`kitt runtime --engine`). */
  engine: string;
  /** The engine's base URL (`--engine-base-url`). */
  engineBaseUrl: string;
  /** The adapter cache's root folder (`defaultAdapterCacheDir()` for the usual one). */
  cacheDir: string;
  /** The download step: `s3://`, `obs://`, `hf://`, `pvc://` and plain paths. */
  fetchArtifact: FetchArtifact;
  /** Aborts downloads and engine requests in flight when the runtime stops. */
  signal?: AbortSignal;
  /** Longest one request to the engine may take (default 60 s). */
  engineTimeoutMs?: number;
}

export interface LoadedAdapter {
  lora_name: string;
  /** What the engine read, in the runtime's cache. */
  path: string;
}

export class LoraService {
  readonly #client: EngineLoraClient | KittError;
  readonly #cache: AdapterCache;
  readonly #signal: AbortSignal;
  readonly #loads = new Map<string, { uri: string; done: Promise<LoadedAdapter> }>();

  constructor(options: LoraServiceOptions) {
    this.#client = clientOrRefusal(options);
    this.#cache = new AdapterCache(options.cacheDir, options.fetchArtifact);
    this.#signal = options.signal ?? new AbortController().signal;
  }

  load(name: string, uri: string): Promise<LoadedAdapter> {
    checkAdapterName(name);
    const client = this.#engine();
    const running = this.#loads.get(name);
    if (running !== undefined) {
      if (running.uri === uri) return running.done;
      throw new KittError("LORA_REFUSED", `adapter '${name}' is being loaded from ${running.uri} right now; wait for it, then unload it first`);
    }
    const done = (async () => {
      const path = await this.#cache.localPath(name, uri, this.#signal);
      await client.load(name, path, this.#signal);
      return { lora_name: name, path };
    })().finally(() => this.#loads.delete(name));
    this.#loads.set(name, { uri, done });
    return done;
  }

  async unload(name: string): Promise<void> {
    checkAdapterName(name);
    await this.#engine().unload(name, this.#signal);
  }

  list(): Promise<LoraAdapterInfo[]> {
    return this.#engine().list(this.#signal);
  }

  #engine(): EngineLoraClient {
    if (this.#client instanceof KittError) throw this.#client;
    return this.#client;
  }
}

/** The engine's client, or, for an engine that cannot load adapters, the refusal every route answers with. */
function clientOrRefusal(options: LoraServiceOptions): EngineLoraClient | KittError {
  try {
    // The adapter cache also keeps llama.cpp's adapter names (a dot file: adapter names start with a letter or digit).
    return engineLoraClient(options.engine, options.engineBaseUrl, { timeoutMs: options.engineTimeoutMs, stateDir: options.cacheDir });
  } catch (error) {
    if (error instanceof KittError && error.code === "LORA_REFUSED") return error;
    throw error;
  }
}
