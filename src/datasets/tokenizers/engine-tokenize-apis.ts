/**
 * The tokenize endpoints engines serve, as request builders and answer parsers (facts from
 * each engine's source):
 * - llama.cpp: `POST /tokenize {content, add_special}` → `{tokens}`; `POST /detokenize {tokens}` → `{content}`.
 *   One text per request (an array `content` is concatenated into one prompt, not batched).
 * - vLLM: `POST /tokenize {model, prompt, add_special_tokens}` → `{tokens, count, max_model_len}`;
 *   `POST /detokenize {model, tokens}` → `{prompt}`. One text per request.
 * - SGLang: `POST /v1/tokenize {prompt: string[], add_special_tokens}` → `{tokens: number[][], count}`;
 *   `POST /v1/detokenize {tokens: number[][]}` → `{text: string[]}`. Batched.
 * - TGI: `POST /tokenize {inputs}` → `[{id, text, start, stop}]`, always with the tokenizer's
 *   special tokens; no detokenize endpoint.
 * Ollama, TabbyAPI (its endpoints need an API key) and MLX get counts from a tokenizer.json instead.
 */
import { KittError } from "../../errors.js";

export interface TokenizeCall {
  path: string;
  body: unknown;
}

export interface TokenizeApi {
  /** How reports name the endpoint, e.g. `llama.cpp /tokenize`. */
  readonly name: string;
  /** Texts (or id sequences) per request: 1 where the endpoint takes a single one. */
  readonly batchSize: number;
  /** True when the endpoint always adds special tokens (the counter strips them itself). */
  readonly alwaysAddsSpecial: boolean;
  encodeCall(texts: string[], addSpecial: boolean, model: string | undefined): TokenizeCall;
  parseEncode(answer: unknown, count: number): number[][];
  decodeCall?(sequences: number[][], model: string | undefined): TokenizeCall;
  parseDecode?(answer: unknown, count: number): string[];
}

function malformed(api: string, what: string): KittError {
  return new KittError("ENGINE_REQUEST_FAILED", `${api} answered without ${what}`);
}

function field(answer: unknown, key: string): unknown {
  return typeof answer === "object" && answer !== null ? (answer as Record<string, unknown>)[key] : undefined;
}

function isIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isInteger(id));
}

function only<T>(items: T[], count: number, api: string, what: string): T[] {
  if (items.length !== count) throw malformed(api, `${count} ${what} (got ${items.length})`);
  return items;
}

const llamaCpp: TokenizeApi = {
  name: "llama.cpp /tokenize",
  batchSize: 1,
  alwaysAddsSpecial: false,
  // parse_special (the server's default) matches how the completion endpoints tokenize prompts.
  encodeCall: ([text], addSpecial) => ({ path: "/tokenize", body: { content: text, add_special: addSpecial, parse_special: true } }),
  parseEncode(answer) {
    const tokens = field(answer, "tokens");
    if (!isIds(tokens)) throw malformed(this.name, "a tokens array");
    return [tokens];
  },
  decodeCall: ([tokens]) => ({ path: "/detokenize", body: { tokens } }),
  parseDecode(answer) {
    const content = field(answer, "content");
    if (typeof content !== "string") throw malformed("llama.cpp /detokenize", "a content string");
    return [content];
  },
};

const vllm: TokenizeApi = {
  name: "vLLM /tokenize",
  batchSize: 1,
  alwaysAddsSpecial: false,
  encodeCall: ([text], addSpecial, model) => ({ path: "/tokenize", body: { model, prompt: text, add_special_tokens: addSpecial } }),
  parseEncode(answer) {
    const tokens = field(answer, "tokens");
    if (!isIds(tokens)) throw malformed(this.name, "a tokens array");
    return [tokens];
  },
  decodeCall: ([tokens], model) => ({ path: "/detokenize", body: { model, tokens } }),
  parseDecode(answer) {
    const prompt = field(answer, "prompt");
    if (typeof prompt !== "string") throw malformed("vLLM /detokenize", "a prompt string");
    return [prompt];
  },
};

const sglang: TokenizeApi = {
  name: "SGLang /v1/tokenize",
  batchSize: 64,
  alwaysAddsSpecial: false,
  encodeCall: (texts, addSpecial, model) => ({ path: "/v1/tokenize", body: { model, prompt: texts, add_special_tokens: addSpecial } }),
  parseEncode(answer, count) {
    const tokens = field(answer, "tokens");
    if (!Array.isArray(tokens) || !tokens.every(isIds)) throw malformed(this.name, "a list of token lists");
    return only(tokens, count, this.name, "token lists");
  },
  decodeCall: (sequences, model) => ({ path: "/v1/detokenize", body: { model, tokens: sequences } }),
  parseDecode(answer, count) {
    const text = field(answer, "text");
    if (!Array.isArray(text) || !text.every((item) => typeof item === "string")) {
      throw malformed("SGLang /v1/detokenize", "a list of texts");
    }
    return only(text, count, "SGLang /v1/detokenize", "texts");
  },
};

const tgi: TokenizeApi = {
  name: "TGI /tokenize",
  batchSize: 1,
  alwaysAddsSpecial: true,
  encodeCall: ([text]) => ({ path: "/tokenize", body: { inputs: text } }),
  parseEncode(answer) {
    if (!Array.isArray(answer)) throw malformed(this.name, "a token list");
    const ids = answer.map((token) => field(token, "id"));
    if (!isIds(ids)) throw malformed(this.name, "token ids");
    return [ids];
  },
};

const apis: Readonly<Record<string, TokenizeApi>> = { llama_cpp: llamaCpp, vllm, sglang, tgi };

/** The engine's tokenize endpoint, or undefined when it has none. */
export function tokenizeApiFor(engine: string): TokenizeApi | undefined {
  return apis[engine];
}
