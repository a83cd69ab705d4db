/**
 * One long run of token ids to cut prompts from: seeded random text, tokenized by the
 * counter in chunks that go out together. Prompts are slices of it, so building thousands of
 * prompts costs a handful of batched tokenize calls rather than one call per prompt.
 */
import { KittError } from "../errors.js";
import { randomText } from "./random-text.js";
import type { TokenCounter } from "./tokenizers/token-counter.js";

/** Short texts tokenize fastest in pure-JS tokenizers; an engine gets many in flight at once. */
const CHUNK_CHARS = 4_096;

/** At least `tokens` token ids (without special tokens). */
export async function buildTokenPool(counter: TokenCounter, tokens: number, random: () => number): Promise<Int32Array> {
  const parts: number[][] = [];
  let have = 0;
  let chars = 0;
  while (have < tokens) {
    // The first call is one chunk, to learn how many characters a token takes; then the rest at once, 10% spare.
    const chunks = have === 0 ? 1 : Math.ceil(((tokens - have) * (chars / have) * 1.1) / CHUNK_CHARS);
    const texts = Array.from({ length: chunks }, () => randomText(random, CHUNK_CHARS));
    const before = have;
    for (const [index, ids] of (await counter.encode(texts)).entries()) {
      parts.push(ids);
      have += ids.length;
      chars += texts[index]?.length ?? 0;
    }
    if (have === before) throw new KittError("ENGINE_REQUEST_FAILED", `${counter.label} turned ${chars} characters of text into no tokens`);
  }
  const pool = new Int32Array(have);
  let offset = 0;
  for (const ids of parts) {
    pool.set(ids, offset);
    offset += ids.length;
  }
  return pool;
}
