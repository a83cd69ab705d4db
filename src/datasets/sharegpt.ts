/**
 * ShareGPT conversations (`[{id, conversations: [{from: "human"|"gpt", value}]}]`), the way
 * vLLM's `bench serve` uses them: each conversation's first human turn is the prompt and the
 * reply after it sets the output length (or a fixed `outputTokens` does), conversations are
 * taken in seeded random order, and pairs outside vLLM's length limits are skipped: prompt or
 * output under 4 tokens (output unchecked when fixed), prompt over 1024, prompt + output over
 * 2048. Lengths count the special tokens the tokenizer adds, as vLLM's do.
 *
 * The file is scanned, not loaded (`json-array-spans.ts`), and only the conversations needed
 * are parsed and tokenized, so a 600 MB file takes seconds and little memory.
 */
import { open } from "node:fs/promises";
import { KittError } from "../errors.js";
import { deriveSeed, uniformSampler } from "../models/seeded-random.js";
import type { ServeRequest } from "../serve/types.js";
import { lineAt, readJsonElement, scanJsonArray, type JsonSpan } from "./json-array-spans.js";
import { shuffled } from "./seeded-sampling.js";
import type { TokenCounter } from "./tokenizers/token-counter.js";

export interface ShareGptOptions {
  path: string;
  numPrompts: number;
  /** One output length for every request instead of the reply's (vLLM's `--sharegpt-output-len`). */
  outputTokens?: number;
  seed?: number;
  minTokens?: number;
  maxPromptTokens?: number;
  maxTotalTokens?: number;
}

export interface ShareGptDataset {
  requests: ServeRequest[];
  /** Conversations in the file. */
  conversations: number;
  /** Conversations without a human turn followed by a reply. */
  skipped: number;
  /** Pairs outside the length limits. */
  filtered: number;
  /** Requests that repeat a pair because the file had fewer usable ones than asked for. */
  repeated: number;
}

/** vLLM's `is_valid_sequence` defaults. */
export const SHAREGPT_LIMITS = { minTokens: 4, maxPromptTokens: 1024, maxTotalTokens: 2048 };

const HUMAN = new Set(["human", "user"]);
const MAX_BATCH = 512;

interface Exchange {
  prompt: string;
  reply: string;
}

export async function loadShareGpt(options: ShareGptOptions, counter: TokenCounter): Promise<ShareGptDataset> {
  const { path, numPrompts, outputTokens, seed = 0 } = options;
  const {
    minTokens = SHAREGPT_LIMITS.minTokens,
    maxPromptTokens = SHAREGPT_LIMITS.maxPromptTokens,
    maxTotalTokens = SHAREGPT_LIMITS.maxTotalTokens,
  } = options;
  if (!(Number.isInteger(numPrompts) && numPrompts >= 1)) throw new KittError("USAGE", `number of prompts must be an integer ≥ 1, got ${numPrompts}`);
  if (outputTokens !== undefined && !(Number.isInteger(outputTokens) && outputTokens >= 1)) {
    throw new KittError("USAGE", `output length must be an integer ≥ 1, got ${outputTokens}`);
  }

  const spans = await scanJsonArray(path);
  const order = shuffled(spans, uniformSampler(deriveSeed(seed, "sharegpt")));
  const special = await counter.specialTokens();
  const accepted: ServeRequest[] = [];
  let skipped = 0;
  let filtered = 0;
  const file = await open(path, "r");
  try {
    for (let next = 0; next < order.length && accepted.length < numPrompts; ) {
      // Twice what is still missing, so a typical file needs one or two batches.
      const batch = order.slice(next, next + Math.min(MAX_BATCH, Math.max(32, 2 * (numPrompts - accepted.length))));
      next += batch.length;
      const exchanges: Exchange[] = [];
      for (const span of batch) {
        const exchange = firstExchange(await readJsonElement(file, path, span));
        if (exchange === "not-an-object") throw await notAnObject(path, span);
        if (exchange) exchanges.push(exchange);
        else skipped++;
      }
      const texts = exchanges.map((exchange) => exchange.prompt);
      if (outputTokens === undefined) texts.push(...exchanges.map((exchange) => exchange.reply));
      const encoded = await counter.encode(texts);
      for (const [index, exchange] of exchanges.entries()) {
        if (accepted.length === numPrompts) break;
        const promptTokens = (encoded[index]?.length ?? 0) + special;
        const output = outputTokens ?? (encoded[exchanges.length + index]?.length ?? 0) + special;
        const tooShort = promptTokens < minTokens || (outputTokens === undefined && output < minTokens);
        if (tooShort || promptTokens > maxPromptTokens || promptTokens + output > maxTotalTokens) filtered++;
        else accepted.push({ prompt: exchange.prompt, promptTokens, outputTokens: output });
      }
    }
  } finally {
    await file.close();
  }
  if (accepted.length === 0) {
    throw new KittError(
      "CONFIG_INVALID",
      `${path}: no usable conversation among ${spans.length} (${skipped} without a human turn and a reply, ` +
        `${filtered} outside the limits of ${minTokens}–${maxPromptTokens} prompt tokens and ${maxTotalTokens} in all)`,
    );
  }
  const requests = Array.from({ length: numPrompts }, (_, index) => accepted[index % accepted.length] as ServeRequest);
  return { requests, conversations: spans.length, skipped, filtered, repeated: numPrompts - accepted.length };
}

/** The first human turn and the reply right after it; undefined when the entry has none. */
function firstExchange(entry: unknown): Exchange | undefined | "not-an-object" {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return "not-an-object";
  const turns = (entry as { conversations?: unknown }).conversations;
  if (!Array.isArray(turns)) return undefined;
  const at = turns.findIndex((turn) => HUMAN.has(String((turn as { from?: unknown } | null)?.from)));
  const [ask, answer] = [turns[at], turns[at + 1]] as ({ from?: unknown; value?: unknown } | null | undefined)[];
  if (at === -1 || typeof ask?.value !== "string" || typeof answer?.value !== "string" || HUMAN.has(String(answer.from))) {
    return undefined;
  }
  return { prompt: ask.value, reply: answer.value };
}

async function notAnObject(path: string, span: JsonSpan): Promise<KittError> {
  return new KittError("CONFIG_INVALID", `${path}:${await lineAt(path, span.start)}: a ShareGPT entry must be an object with "conversations"`);
}
