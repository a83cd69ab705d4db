/**
 * Picks where prompt token counts come from: the engine's own tokenize endpoint when it has
 * one (it counts exactly what the engine will see), else the `--tokenizer` file the user
 * passed, else an error saying what to pass. Never a download.
 */
import { describeError, KittError } from "../../errors.js";
import { EngineTokenCounter } from "./engine-token-counter.js";
import { tokenizeApiFor } from "./engine-tokenize-apis.js";
import type { TokenCounter } from "./token-counter.js";
import { loadTokenizerJson } from "./tokenizer-json-counter.js";

export interface ChooseTokenCounterOptions {
  /** kitt's engine name (`llama_cpp`, `vllm`, …). */
  engine: string;
  /** The running engine's base URL; without one its endpoint cannot be asked. */
  baseUrl?: string;
  /** The model name the engine serves. */
  model?: string;
  /** `--tokenizer PATH`: a tokenizer.json, or the model folder holding one. */
  tokenizerPath?: string;
  /** Whether ids must be turned back into text (the random data set builds prompts from ids). */
  needsDecode: boolean;
}

const TOKENIZER_HINT = "pass --tokenizer PATH (the model's tokenizer.json, or the folder holding it); kitt does not download tokenizers";

export async function chooseTokenCounter(options: ChooseTokenCounterOptions): Promise<TokenCounter> {
  const { engine, baseUrl, model, tokenizerPath, needsDecode } = options;
  const api = tokenizeApiFor(engine);
  if (api && baseUrl && (!needsDecode || api.decodeCall)) {
    const counter = new EngineTokenCounter({ baseUrl, api, model });
    try {
      // One small request proves the endpoint answers before thousands are sent.
      await counter.specialTokens();
      return counter;
    } catch (error) {
      await counter.close();
      if (tokenizerPath) return loadTokenizerJson(tokenizerPath);
      throw new KittError("ENGINE_REQUEST_FAILED", `${describeError(error)}; ${TOKENIZER_HINT}`, { cause: error });
    }
  }
  if (tokenizerPath) return loadTokenizerJson(tokenizerPath);
  const reason = !api
    ? `${engine} has no tokenize endpoint`
    : !baseUrl
      ? `no ${engine} URL to ask its ${api.name} endpoint`
      : `${api.name} cannot turn token ids back into text, which this data set needs`;
  throw new KittError("USAGE", `cannot count prompt tokens: ${reason}; ${TOKENIZER_HINT}`);
}
