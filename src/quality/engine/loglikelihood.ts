/**
 * `loglikelihoods(engine, context, continuations)`: log P(continuation | context) summed over each
 * continuation's tokens, from the prompt log-probabilities of engines that give them. The pair is
 * first normalised as the harness does (trailing whitespace of the context moves onto the
 * continuation).
 *
 * vLLM and SGLang get the requests lm-evaluation-harness's API models send: token ids from the
 * engine's own tokenize endpoint, without special tokens unless `addBosToken` (the harness's
 * `add_bos_token`, off by default), context and whole string tokenized apart (`_encode_pair`),
 * cut from the left to the context, every continuation of a context in one batched request. TGI
 * takes only text: it tokenizes context and continuation as one string with its own BOS, and its
 * prompts are never cut.
 */
import type { Engine } from "../../engines/engine.js";
import { engineEndpoint } from "../../engines/engine-endpoint.js";
import type { EngineName } from "../../engines/types.js";
import { KittError } from "../../errors.js";
import { parseEngineJson, requestEngine, requestEngineJson } from "../../protocols/http/engine-request.js";
import { loglikelihoodPair } from "../prompts/prompt.js";
import { continuationLogprob, tokenSpanLogprob, type ContinuationLogprob, type PromptTokens } from "./continuation-tokens.js";
import { engineTokenizer } from "./engine-tokenizer.js";
import { parseSglangBatchPromptTokens, sglangLoglikelihoodRequest } from "./loglikelihood-sglang.js";
import { parseTgiPromptTokens, tgiLoglikelihoodRequest } from "./loglikelihood-tgi.js";
import { parseVllmBatchPromptTokens, vllmLoglikelihoodRequest } from "./loglikelihood-vllm.js";
import { encodeLoglikelihoodPairs } from "./prompt-window.js";

export type LoglikelihoodEngine = Pick<Engine, "baseUrl" | "spec" | "modelName">;

/** How log-likelihood requests carry their prompts, recorded beside the scores. */
export type PromptEncoding = "token_ids" | "text";

interface TokenIdsFamily {
  encoding: "token_ids";
  request(model: string, prompts: readonly (readonly number[])[]): { path: string; body: unknown };
  /** Each prompt's tokens from the answer's body (vLLM's is read in place; `json` parses it whole). */
  parse(body: Buffer, count: number, json: () => unknown): PromptTokens[];
}

interface TextFamily {
  encoding: "text";
  request(prompt: string): { path: string; body: unknown };
  parse(response: unknown): PromptTokens;
}

const FAMILIES: Partial<Record<EngineName, TokenIdsFamily | TextFamily>> = {
  vllm: { encoding: "token_ids", request: vllmLoglikelihoodRequest, parse: (body, count) => parseVllmBatchPromptTokens(body, count) },
  // SGLang's native route names no model.
  sglang: {
    encoding: "token_ids",
    request: (_model, prompts) => sglangLoglikelihoodRequest(prompts),
    parse: (_body, count, json) => parseSglangBatchPromptTokens(json(), count),
  },
  tgi: { encoding: "text", request: tgiLoglikelihoodRequest, parse: parseTgiPromptTokens },
};

function familyOf(engine: LoglikelihoodEngine): TokenIdsFamily | TextFamily {
  const family = FAMILIES[engine.spec.name];
  if (family === undefined) {
    throw new KittError("CONFIG_INVALID", `${engine.spec.displayName} gives no prompt log-probabilities, so it cannot score log-likelihoods`);
  }
  return family;
}

/** How `engine`'s log-likelihood requests carry their prompts; undefined for engines without prompt log-probabilities. */
export function promptEncoding(engine: LoglikelihoodEngine): PromptEncoding | undefined {
  return FAMILIES[engine.spec.name]?.encoding;
}

export interface LoglikelihoodOptions {
  /** Put the tokenizer's special tokens (BOS) in front, as the harness's `add_bos_token`. */
  addBosToken?: boolean;
  /** Most tokens a request's prompt may hold; longer ones lose their oldest. Undefined: sent whole. */
  limit?: number;
  signal?: AbortSignal;
}

/** Several continuations of one context: one batched request on vLLM and SGLang, one each on TGI. */
export async function loglikelihoods(
  engine: LoglikelihoodEngine,
  context: string,
  continuations: readonly string[],
  options: LoglikelihoodOptions = {},
): Promise<ContinuationLogprob[]> {
  const family = familyOf(engine);
  const { signal } = options;
  const pairs = continuations.map((continuation) => loglikelihoodPair(context, continuation));
  const name = engine.spec.displayName;
  const endpoint = engineEndpoint(engine);
  if (family.encoding === "text") {
    const results: ContinuationLogprob[] = [];
    for (const pair of pairs) {
      const { path, body } = family.request(pair.context + pair.continuation);
      results.push(continuationLogprob(family.parse(await requestEngineJson(endpoint, { method: "POST", path, body, signal })), pair.continuation, name));
    }
    return results;
  }
  if (pairs.length === 0) return [];
  const tokenizer = engineTokenizer(engine);
  if (tokenizer === undefined) throw new KittError("INTERNAL", `${name} has no tokenize endpoint for token-id prompts`);
  // The normalised context is the same for every continuation: only trailing whitespace moves.
  const requests = await encodeLoglikelihoodPairs(
    tokenizer,
    pairs[0]!.context,
    pairs.map((pair) => pair.continuation),
    { addBos: options.addBosToken ?? false, limit: options.limit, signal },
  );
  const { path, body } = family.request(
    engine.modelName,
    requests.map((request) => request.ids),
  );
  const request = { method: "POST", path, body, signal } as const;
  const answer = await requestEngine(endpoint, request);
  const answers = family.parse(answer, requests.length, () => parseEngineJson(endpoint, request, answer));
  return answers.map((tokens, i) => {
    const { ids, continuationTokens, truncated } = requests[i]!;
    return { ...tokenSpanLogprob(tokens, ids.length - continuationTokens, continuationTokens, name), truncated };
  });
}
