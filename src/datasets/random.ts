/**
 * The random data set, like vLLM's: per-request lengths uniform within ±range_ratio of the
 * targets, an optional shared prefix, prompts built from token ids and re-encoded until they
 * are exactly the target length. Outputs are requested as `outputTokens` (the load generator
 * sets `ignore_eos`, so they reach it).
 *
 * Differences from vLLM, for speed and exactness: the ids are slices of one pool tokenized
 * from seeded random text (vLLM walks the vocabulary, whose byte-fragment and special ids
 * decode to text that re-encodes differently; an engine's API does not list its vocabulary
 * anyway), and every decode/encode round runs batched over all prompts still off target.
 * The pool holds at most `POOL_CAP` ids, so a large data set costs one pool and one checking
 * pass; when the prompts need more, their slices overlap, but each starts at its own offset,
 * so no two prompts share a prefix beyond the intended one (what prefix caching would reuse).
 * A prompt off target is trimmed or extended with the next pool ids and checked again, up to
 * `MAX_ROUNDS` times; `exactLengthHits` says how many ended exact (the others keep the length
 * they measured).
 */
import { KittError } from "../errors.js";
import { deriveSeed, uniformSampler } from "../models/seeded-random.js";
import type { ServeRequest } from "../serve/types.js";
import { sampleRandomLengths } from "./random-lengths.js";
import { buildTokenPool } from "./token-pool.js";
import type { TokenCounter } from "./tokenizers/token-counter.js";

export interface RandomDatasetOptions {
  numPrompts: number;
  /** Prompt length as the engine counts it, special tokens included (vLLM's `--random-input-len`). */
  inputTokens: number;
  /** Requested output length (vLLM's `--random-output-len`). */
  outputTokens: number;
  /** Lengths are uniform within ±this fraction of the targets, in [0, 1) (vLLM's `--random-range-ratio`). */
  rangeRatio?: number;
  /** Length of one prefix shared by every prompt, on top of `inputTokens` (vLLM's `--random-prefix-len`). */
  prefixTokens?: number;
  seed?: number;
}

export interface RandomDataset {
  requests: ServeRequest[];
  /** Prompts whose re-encoded length is exactly the target. */
  exactLengthHits: number;
}

const MAX_ROUNDS = 10;
const POOL_CAP = 1 << 18;
/** Pool ids beyond the prompts' own, for extending prompts that came out short. */
const SPARE_POOL_TOKENS = 4_096;

interface Draft {
  ids: number[];
  target: number;
  /** Pool index of the next id to append when the prompt comes out short. */
  next: number;
  text: string;
  measured: number;
}

export async function buildRandomDataset(options: RandomDatasetOptions, counter: TokenCounter): Promise<RandomDataset> {
  const { numPrompts, inputTokens, outputTokens, rangeRatio = 0, prefixTokens = 0, seed = 0 } = options;
  assertCount("number of prompts", numPrompts, 1);
  assertCount("input length", inputTokens, 1);
  assertCount("output length", outputTokens, 1);
  assertCount("prefix length", prefixTokens, 0);
  if (!(rangeRatio >= 0 && rangeRatio < 1)) throw new KittError("USAGE", `range ratio must be in [0, 1), got ${rangeRatio}`);
  const decode = counter.decode?.bind(counter);
  if (!decode) {
    throw new KittError("USAGE", `random prompts are built from token ids, and ${counter.label} cannot decode ids; pass --tokenizer PATH`);
  }

  const specialTokens = await counter.specialTokens();
  const lengths = sampleRandomLengths(
    { numPrompts, inputTokens, outputTokens, rangeRatio, prefixTokens, specialTokens },
    uniformSampler(deriveSeed(seed, "lengths")),
  );
  const needed = prefixTokens + lengths.input.reduce((sum, length) => sum + length, 0) + SPARE_POOL_TOKENS;
  // Room for every prompt to start at its own offset, and for the longest one.
  const floor = prefixTokens + numPrompts + lengths.inputRange[1] + SPARE_POOL_TOKENS;
  const pool = await buildTokenPool(counter, Math.min(needed, Math.max(POOL_CAP, floor)), uniformSampler(deriveSeed(seed, "text")));

  const prefix = Array.from(pool.subarray(0, prefixTokens));
  const starts = new Set<number>();
  let cursor = prefixTokens;
  const drafts: Draft[] = lengths.input.map((length) => {
    let start = wrap(pool, cursor, prefixTokens);
    while (starts.has(start)) start = wrap(pool, start + 1, prefixTokens);
    starts.add(start);
    const draft: Draft = { ids: prefix, target: prefixTokens + length, next: start, text: "", measured: 0 };
    draft.ids = prefix.concat(takeFromPool(pool, draft, length, prefixTokens));
    cursor = draft.next;
    return draft;
  });

  let pending = drafts;
  for (let round = 0; pending.length > 0 && round < MAX_ROUNDS; round++) {
    // Leading whitespace would become extra tokens once the engine prepends its own space (SentencePiece).
    const texts = (await decode(pending.map((draft) => draft.ids))).map((text) => text.trimStart());
    const encoded = await counter.encode(texts);
    pending.forEach((draft, index) => {
      const ids = encoded[index] ?? [];
      draft.text = texts[index] ?? "";
      draft.measured = ids.length;
      if (ids.length > draft.target) draft.ids = ids.slice(0, draft.target);
      else if (ids.length < draft.target) draft.ids = ids.concat(takeFromPool(pool, draft, draft.target - ids.length, prefixTokens));
    });
    pending = pending.filter((draft) => draft.measured !== draft.target);
  }

  const requests = drafts.map((draft, index) => ({
    prompt: draft.text,
    promptTokens: draft.measured + specialTokens,
    outputTokens: lengths.output[index] ?? outputTokens,
  }));
  return { requests, exactLengthHits: drafts.length - pending.length };
}

/** A pool index, wrapped past the end back to just after the prefix. */
function wrap(pool: Int32Array, index: number, prefixTokens: number): number {
  return index < pool.length ? index : prefixTokens + ((index - prefixTokens) % (pool.length - prefixTokens));
}

/** The draft's next `count` pool ids, wrapping past the end (but not into the prefix). */
function takeFromPool(pool: Int32Array, draft: Draft, count: number, prefixTokens: number): number[] {
  const ids = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    draft.next = wrap(pool, draft.next, prefixTokens);
    ids[i] = pool[draft.next++] as number;
  }
  return ids;
}

function assertCount(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new KittError("USAGE", `${what} must be an integer ≥ ${min}, got ${value}`);
}
