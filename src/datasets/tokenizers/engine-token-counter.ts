/**
 * Token counts from the engine's own tokenize endpoint: the numbers the engine itself will
 * see. Texts go out in batches where the endpoint takes several, and many requests run at once
 * over a keep-alive pool, so thousands of prompts take a second or two rather than minutes.
 */
import type { Dispatcher } from "undici";
import { KittError } from "../../errors.js";
import { enginePool } from "../../protocols/http/connection-pools.js";
import { requestEngineJson, type EngineEndpoint } from "../../protocols/http/engine-request.js";
import type { TokenizeApi, TokenizeCall } from "./engine-tokenize-apis.js";
import { chunked, mapConcurrent } from "./map-concurrent.js";
import { SPECIAL_TOKEN_PROBE, type TokenCounter } from "./token-counter.js";

export interface EngineTokenCounterOptions {
  baseUrl: string;
  api: TokenizeApi;
  /** The model name the engine serves (vLLM and SGLang accept it; older vLLM requires it). */
  model?: string;
  /** Requests in flight at once. */
  concurrency?: number;
  timeoutMs?: number;
}

const DEFAULT_CONCURRENCY = 16;
const DEFAULT_TIMEOUT_MS = 60_000;
/** A second text for telling apart the special tokens an endpoint always adds (no shared first or last character). */
const SECOND_PROBE = "7 + 3 = ?";

export class EngineTokenCounter implements TokenCounter {
  readonly source = "engine" as const;
  readonly label: string;
  readonly decode?: (sequences: number[][]) => Promise<string[]>;
  readonly #options: Required<Omit<EngineTokenCounterOptions, "model">> & { model: string | undefined };
  readonly #endpoint: EngineEndpoint;
  readonly #dispatcher: Dispatcher;
  #special: Promise<number> | undefined;
  #ends: Promise<{ prefix: number; suffix: number }> | undefined;

  constructor(options: EngineTokenCounterOptions) {
    const baseUrl = options.baseUrl.replace(/\/+$/, "");
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#options = { ...options, baseUrl, concurrency, timeoutMs, model: options.model };
    this.#endpoint = { baseUrl, name: options.api.name, namedWithUrl: true };
    this.#dispatcher = enginePool(concurrency);
    this.label = `${options.api.name} at ${baseUrl}`;
    if (options.api.decodeCall) this.decode = (sequences) => this.#decode(sequences);
  }

  async encode(texts: string[]): Promise<number[][]> {
    if (!this.#options.api.alwaysAddsSpecial) return this.#encode(texts, false);
    const { prefix, suffix } = await this.#specialEnds();
    const encoded = await this.#encode(texts, true);
    return encoded.map((ids) => ids.slice(prefix, ids.length - suffix));
  }

  async specialTokens(): Promise<number> {
    if (this.#options.api.alwaysAddsSpecial) {
      const { prefix, suffix } = await this.#specialEnds();
      return prefix + suffix;
    }
    this.#special ??= Promise.all([this.#encode([SPECIAL_TOKEN_PROBE], true), this.#encode([SPECIAL_TOKEN_PROBE], false)]).then(
      ([[withSpecial = []], [plain = []]]) => withSpecial.length - plain.length,
      (error: unknown) => {
        this.#special = undefined;
        throw error;
      },
    );
    return this.#special;
  }

  /** Lets go of the connection pool. */
  close(): Promise<void> {
    return this.#dispatcher.close();
  }

  /**
   * For endpoints that always add special tokens: how many ids come before and after every
   * text's own, i.e. the ends two unrelated texts share.
   */
  #specialEnds(): Promise<{ prefix: number; suffix: number }> {
    this.#ends ??= this.#encode([SPECIAL_TOKEN_PROBE, SECOND_PROBE], true).then(
      ([first = [], second = []]) => sharedEnds(first, second),
      (error: unknown) => {
        this.#ends = undefined;
        throw error;
      },
    );
    return this.#ends;
  }

  async #encode(texts: string[], addSpecial: boolean): Promise<number[][]> {
    const { api, model, concurrency } = this.#options;
    const batches = await mapConcurrent(chunked(texts, api.batchSize), concurrency, async (batch) =>
      api.parseEncode(await this.#post(api.encodeCall(batch, addSpecial, model)), batch.length),
    );
    return batches.flat();
  }

  async #decode(sequences: number[][]): Promise<string[]> {
    const { api, model, concurrency } = this.#options;
    const { decodeCall, parseDecode } = api;
    if (!decodeCall || !parseDecode) throw new KittError("USAGE", `${api.name} has no detokenize endpoint`);
    const batches = await mapConcurrent(chunked(sequences, api.batchSize), concurrency, async (batch) =>
      parseDecode.call(api, await this.#post(decodeCall.call(api, batch, model)), batch.length),
    );
    return batches.flat();
  }

  #post(call: TokenizeCall): Promise<unknown> {
    const { timeoutMs } = this.#options;
    return requestEngineJson(this.#endpoint, { method: "POST", path: call.path, body: call.body, timeoutMs, dispatcher: this.#dispatcher });
  }
}

/** Length of the id prefix and suffix two sequences share. */
export function sharedEnds(a: readonly number[], b: readonly number[]): { prefix: number; suffix: number } {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return { prefix, suffix };
}
