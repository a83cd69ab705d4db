/**
 * Token ids of quality prompts from the engine's own tokenize endpoint (llama.cpp `/tokenize`,
 * vLLM `/tokenize`, SGLang `/v1/tokenize`), over the same connection pool as the engine's other
 * quality requests. Only engines whose endpoint can leave the special tokens out, and which take
 * token-id prompts back, have one: TGI's endpoint always adds them and its routes take text.
 */
import { tokenizeApiFor } from "../../datasets/tokenizers/engine-tokenize-apis.js";
import { chunked } from "../../datasets/tokenizers/map-concurrent.js";
import type { Engine } from "../../engines/engine.js";
import { engineEndpoint } from "../../engines/engine-endpoint.js";
import { requestEngineJson } from "../../protocols/http/engine-request.js";

export interface EngineTokenizer {
  /** Ids of each text; `addSpecial` adds what the tokenizer puts around a text (llama's BOS). */
  encode(texts: readonly string[], addSpecial: boolean, signal?: AbortSignal): Promise<number[][]>;
  /** How many tokens `addSpecial` adds to any text (BOS, and EOS where the tokenizer adds one). */
  specialTokens(signal?: AbortSignal): Promise<number>;
}

type TokenizingEngine = Pick<Engine, "baseUrl" | "spec" | "modelName">;

/** Engines whose tokenize endpoint kitt can use for token-id prompts. */
const TOKEN_ID_ENGINES = new Set(["llama_cpp", "vllm", "sglang"]);

/** One tokenizer per engine, so that what it learns once (`specialTokens`) is asked once. */
const tokenizers = new WeakMap<TokenizingEngine, EngineTokenizer>();

export function engineTokenizer(engine: TokenizingEngine): EngineTokenizer | undefined {
  const api = TOKEN_ID_ENGINES.has(engine.spec.name) ? tokenizeApiFor(engine.spec.name) : undefined;
  if (api === undefined) return undefined;
  let tokenizer = tokenizers.get(engine);
  if (tokenizer === undefined) {
    const encode: EngineTokenizer["encode"] = async (texts, addSpecial, signal) => {
      const batches = await Promise.all(
        chunked(texts, api.batchSize).map(async (batch) => {
          const call = api.encodeCall(batch, addSpecial, engine.modelName);
          return api.parseEncode(await requestEngineJson(engineEndpoint(engine), { method: "POST", path: call.path, body: call.body, signal }), batch.length);
        }),
      );
      return batches.flat();
    };
    tokenizer = { encode, specialTokens: specialTokensOnce(encode) };
    tokenizers.set(engine, tokenizer);
  }
  return tokenizer;
}

/** `specialTokens` from a tokenizer's `encode`: a short text tokenized with and without them, once (again after a failure). */
export function specialTokensOnce(encode: EngineTokenizer["encode"]): EngineTokenizer["specialTokens"] {
  let count: Promise<number> | undefined;
  return (signal) => {
    if (count === undefined) {
      const asked = Promise.all([encode(["a"], true, signal), encode(["a"], false, signal)]).then(([[withSpecial = []], [plain = []]]) => withSpecial.length - plain.length);
      asked.catch(() => {
        if (count === asked) count = undefined;
      });
      count = asked;
    }
    return count;
  };
}
