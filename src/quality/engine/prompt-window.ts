/**
 * Fitting prompts into the context one request may use, as lm-evaluation-harness's API models
 * do: the prompt's token ids lose their oldest tokens, one token of the context is kept for the
 * token every request generates (the harness's `max_length - 1`), and a generation also leaves
 * room for its longest answer (`max_length - 1 - max_gen_toks`). `truncate: never` sends every
 * prompt whole, so one too long for the engine fails its item with the engine's message.
 */
import { KittError } from "../../errors.js";
import type { EngineTokenizer } from "./engine-tokenizer.js";
import { mostTokens } from "./token-bound.js";

export const TRUNCATE_MODES = ["left", "never"] as const;
export type TruncateMode = (typeof TRUNCATE_MODES)[number];

export interface PromptWindow {
  truncate: TruncateMode;
  /** Tokens one request may use, prompt and answer together; undefined where the engine does not say. */
  contextLength: number | undefined;
}

/** A prompt as sent: the text itself, or token ids where it had to be cut. */
export interface FittedPrompt {
  prompt: string | number[];
  truncated: boolean;
}

/** Most prompt tokens a request may hold when `answerTokens` are generated after it; undefined: no cut. */
export function promptLimit(window: PromptWindow, answerTokens: number): number | undefined {
  if (window.truncate === "never" || window.contextLength === undefined) return undefined;
  return Math.max(1, window.contextLength - answerTokens);
}

/**
 * A text prompt that fits `limit` tokens as the engine counts them (its BOS included) goes out
 * as text; a longer one as the ids the engine would have seen, less the oldest of the prompt's
 * own: the special tokens it adds around a text (BOS) stay. A prompt that cannot reach the limit
 * whatever the tokenizer (`mostTokens`) is not counted. Without a tokenizer or a limit nothing
 * can be counted, so the text goes out whole.
 */
export async function fitPrompt(
  tokenizer: EngineTokenizer | undefined,
  prompt: string,
  limit: number | undefined,
  signal?: AbortSignal,
): Promise<FittedPrompt> {
  if (tokenizer === undefined || limit === undefined) return { prompt, truncated: false };
  const most = mostTokens(prompt);
  if (most <= limit && most + (await tokenizer.specialTokens(signal)) <= limit) return { prompt, truncated: false };
  const [withSpecial = []] = await tokenizer.encode([prompt], true, signal);
  if (withSpecial.length <= limit) return { prompt, truncated: false };
  const [plain = []] = await tokenizer.encode([prompt], false, signal);
  const start = textStart(withSpecial, plain);
  const prefix = withSpecial.slice(0, start);
  const suffix = withSpecial.slice(start + plain.length);
  const kept = Math.max(1, limit - prefix.length - suffix.length);
  return { prompt: [...prefix, ...plain.slice(plain.length - kept), ...suffix], truncated: true };
}

/** Where a text's own ids begin among the ids the tokenizer gave it with its special tokens. */
function textStart(withSpecial: readonly number[], plain: readonly number[]): number {
  for (let start = 0; start + plain.length <= withSpecial.length; start++) {
    if (plain.every((id, i) => withSpecial[start + i] === id)) return start;
  }
  throw new KittError("ENGINE_REQUEST_FAILED", "the engine tokenized a prompt differently with and without its special tokens");
}

/** One log-likelihood request as token ids, and where its continuation sits in them. */
export interface LoglikelihoodIds {
  ids: number[];
  /** The continuation is the last this many ids. */
  continuationTokens: number;
  truncated: boolean;
}

/**
 * The harness's `_encode_pair` and its left cut, for continuations of one (already normalised)
 * context: the context and each whole string are tokenized, a continuation's ids are the whole's
 * beyond the context's length, the request is the context's ids then the continuation's, and the
 * oldest ids go when it holds more than `limit`. `addBos` tokenizes with the special tokens, as
 * the harness's `add_bos_token`.
 */
export async function encodeLoglikelihoodPairs(
  tokenizer: EngineTokenizer,
  context: string,
  continuations: readonly string[],
  options: { addBos: boolean; limit: number | undefined; signal?: AbortSignal },
): Promise<LoglikelihoodIds[]> {
  if (context === "") throw new KittError("INTERNAL", "a context to score cannot be empty");
  const [contextIds = [], ...wholes] = await tokenizer.encode([context, ...continuations.map((c) => context + c)], options.addBos, options.signal);
  return wholes.map((whole, i) => {
    const continuationIds = whole.slice(contextIds.length);
    if (continuationIds.length === 0) {
      throw new KittError("ENGINE_REQUEST_FAILED", `the continuation "${continuations[i]!.slice(0, 40)}" takes no tokens of its own after its context`);
    }
    const ids = [...contextIds, ...continuationIds];
    const { limit } = options;
    if (limit === undefined || ids.length <= limit) return { ids, continuationTokens: continuationIds.length, truncated: false };
    if (continuationIds.length >= limit) {
      throw new KittError("ENGINE_REQUEST_FAILED", `a continuation of ${continuationIds.length} tokens leaves no context within ${limit} tokens`);
    }
    return { ids: ids.slice(ids.length - limit), continuationTokens: continuationIds.length, truncated: true };
  });
}
