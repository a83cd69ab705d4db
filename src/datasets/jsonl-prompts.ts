/**
 * A JSONL prompt file: one `{"prompt": "...", "output_tokens"?: n}` object per line (other
 * keys are ignored, blank lines skipped). `output_tokens` overrides the data set's output
 * length for that prompt. Mistakes are reported as `file:line`.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { KittError } from "../errors.js";
import { DEFAULT_OUTPUT_TOKENS, pickPrompts, type PickedPrompts, type PromptEntry } from "./prompt-entries.js";
import type { TokenCounter } from "./tokenizers/token-counter.js";

export interface JsonlPromptsOptions {
  path: string;
  /** How many requests to make; every line once, in order, when absent. */
  numPrompts?: number;
  /** Output length for lines without `output_tokens`. */
  outputTokens?: number;
  seed?: number;
}

export async function loadJsonlPrompts(options: JsonlPromptsOptions, counter: TokenCounter): Promise<PickedPrompts> {
  const entries = await readJsonlPrompts(options.path, options.outputTokens ?? DEFAULT_OUTPUT_TOKENS);
  return pickPrompts(entries, counter, options);
}

export async function readJsonlPrompts(path: string, defaultOutputTokens: number): Promise<PromptEntry[]> {
  const entries: PromptEntry[] = [];
  const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === "") continue;
      entries.push(parseLine(line, `${path}:${lineNumber}`, defaultOutputTokens));
    }
  } catch (error) {
    if (error instanceof KittError) throw error;
    throw new KittError("NOT_FOUND", `cannot read prompt file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    lines.close();
  }
  if (entries.length === 0) throw new KittError("CONFIG_INVALID", `${path} holds no prompts`);
  return entries;
}

function parseLine(line: string, where: string, defaultOutputTokens: number): PromptEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${where}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new KittError("CONFIG_INVALID", `${where}: expected an object like {"prompt": "..."}`);
  }
  const { prompt, output_tokens: outputTokens } = value as Record<string, unknown>;
  if (typeof prompt !== "string" || prompt.length === 0) throw new KittError("CONFIG_INVALID", `${where}: "prompt" must be a non-empty string`);
  if (outputTokens !== undefined && !(Number.isInteger(outputTokens) && (outputTokens as number) > 0)) {
    throw new KittError("CONFIG_INVALID", `${where}: "output_tokens" must be a positive integer, got ${JSON.stringify(outputTokens)}`);
  }
  return { prompt, outputTokens: (outputTokens as number | undefined) ?? defaultOutputTokens };
}
