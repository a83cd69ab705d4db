/**
 * How many output tokens each chunk of a completed request carried, so the peak output
 * tokens per second counts tokens rather than chunks (vLLM #37666 counts chunks).
 *
 * When the server reports tokens per chunk (TGI, llama.cpp native, Ollama) those counts are
 * used as given. Otherwise kitt attributes them:
 *  - chunks before the first content (an opening role-only chunk) carry 0;
 *  - from the first content chunk on, each chunk carries 1 token until the request's output
 *    token count is used up, so a closing chunk without content carries 0;
 *  - when the count exceeds those chunks (several tokens per chunk, as under speculative
 *    decoding), the surplus goes on the last chunk.
 * Without a content chunk at all, attribution starts at the first chunk. Attributed counts add
 * up to the request's output tokens, so the buckets add up to `total_output_tokens`.
 */

/**
 * @param chunkMs arrival of every chunk, relative to the send
 * @param serverChunkTokens the server's per-chunk counts, or null
 * @param ttftContentMs arrival of the first chunk with content, or null
 * @param outputTokens the request's output tokens (server usage, else the client's count)
 */
export function chunkTokenCounts(
  chunkMs: readonly number[],
  serverChunkTokens: readonly number[] | null,
  ttftContentMs: number | null,
  outputTokens: number,
): number[] {
  if (serverChunkTokens !== null) return [...serverChunkTokens];
  const counts = new Array<number>(chunkMs.length).fill(0);
  if (counts.length === 0) return counts;
  const firstContent = ttftContentMs === null ? 0 : Math.max(0, chunkMs.findIndex((time) => time >= ttftContentMs));
  let remaining = outputTokens;
  for (let index = firstContent; index < counts.length && remaining > 0; index++) {
    counts[index] = 1;
    remaining--;
  }
  counts[counts.length - 1] = (counts[counts.length - 1] as number) + Math.max(remaining, 0);
  return counts;
}
