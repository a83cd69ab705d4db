/** Prompts given directly (a list in the suite config, or `--prompt` on the command line). */
import { KittError } from "../errors.js";
import { DEFAULT_OUTPUT_TOKENS, pickPrompts, type PickedPrompts } from "./prompt-entries.js";
import type { TokenCounter } from "./tokenizers/token-counter.js";

export interface FixedPromptsOptions {
  prompts: readonly string[];
  /** How many requests to make; all prompts once, in order, when absent. */
  numPrompts?: number;
  outputTokens?: number;
  seed?: number;
}

export async function loadFixedPrompts(options: FixedPromptsOptions, counter: TokenCounter): Promise<PickedPrompts> {
  const { prompts, outputTokens = DEFAULT_OUTPUT_TOKENS } = options;
  if (prompts.length === 0) throw new KittError("USAGE", "the prompt list is empty");
  prompts.forEach((prompt, index) => {
    if (typeof prompt !== "string" || prompt.length === 0) throw new KittError("USAGE", `prompt ${index + 1} of the list is empty`);
  });
  return pickPrompts(
    prompts.map((prompt) => ({ prompt, outputTokens })),
    counter,
    options,
  );
}
