/**
 * Greedy generation with stop sequences, through the engine's own streaming protocol. The text is
 * cut at the first stop sequence too, as the harness's `until` does, since engines differ on
 * whether they hold back a matched stop string.
 */
import type { Engine } from "../../engines/engine.js";

/** lm-evaluation-harness's default `max_gen_toks`. */
export const DEFAULT_MAX_GEN_TOKENS = 256;

export async function greedyGenerate(
  engine: Pick<Engine, "generate">,
  prompt: string,
  stop: readonly string[],
  options: { maxTokens?: number; signal?: AbortSignal } = {},
): Promise<string> {
  const result = await engine.generate(
    { prompt, maxTokens: options.maxTokens ?? DEFAULT_MAX_GEN_TOKENS, temperature: 0, stop: stop.slice() },
    options.signal,
  );
  return cutAtStop(result.text, stop);
}

export function cutAtStop(text: string, stop: readonly string[]): string {
  let end = text.length;
  for (const sequence of stop) {
    const at = text.indexOf(sequence);
    if (sequence !== "" && at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}
