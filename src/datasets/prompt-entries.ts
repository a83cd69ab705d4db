/**
 * Prompt lists (JSONL files, prompts from config or the command line) into `ServeRequest`s:
 * pick `numPrompts` of them with a seed, and measure each distinct prompt's length once.
 */
import { KittError } from "../errors.js";
import type { ServeRequest } from "../serve/types.js";
import { sampleIndices } from "./seeded-sampling.js";
import type { TokenCounter } from "./tokenizers/token-counter.js";

/** Output length when neither the prompt nor the data set names one (vLLM's custom data set default). */
export const DEFAULT_OUTPUT_TOKENS = 256;

export interface PromptEntry {
  prompt: string;
  outputTokens: number;
}

export interface PickedPrompts {
  requests: ServeRequest[];
  /** Requests that repeat a prompt because fewer were given than asked for. */
  repeated: number;
}

/**
 * All entries in their order when `numPrompts` is absent; otherwise `numPrompts` of them in
 * seeded random order (cycling through all of them when there are fewer).
 */
export async function pickPrompts(
  entries: readonly PromptEntry[],
  counter: TokenCounter,
  options: { numPrompts?: number; seed?: number },
): Promise<PickedPrompts> {
  const { numPrompts } = options;
  if (numPrompts !== undefined && !(Number.isInteger(numPrompts) && numPrompts >= 1)) {
    throw new KittError("USAGE", `number of prompts must be an integer ≥ 1, got ${numPrompts}`);
  }
  const indices =
    numPrompts === undefined
      ? entries.map((_, index) => index)
      : sampleIndices(entries.length, numPrompts, options.seed ?? 0);
  const distinct = [...new Set(indices)];
  const [encoded, special] = await Promise.all([
    counter.encode(distinct.map((index) => (entries[index] as PromptEntry).prompt)),
    counter.specialTokens(),
  ]);
  const lengths = new Map(distinct.map((index, position) => [index, (encoded[position]?.length ?? 0) + special]));
  const requests = indices.map((index) => {
    const entry = entries[index] as PromptEntry;
    return { prompt: entry.prompt, promptTokens: lengths.get(index) ?? 0, outputTokens: entry.outputTokens };
  });
  return { requests, repeated: indices.length - distinct.length };
}
