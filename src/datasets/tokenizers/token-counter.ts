/**
 * What the serving benchmark's data sets need from a tokenizer: token ids of many texts at
 * once (batched, so thousands of prompts take seconds), the text of id sequences, and how many
 * special tokens (BOS, …) the engine adds to every prompt. Counts come either from the
 * engine's own tokenize endpoint (the engine's truth) or from a local `tokenizer.json`.
 */

export type TokenSource = "engine" | "tokenizer.json";

export interface TokenCounter {
  readonly source: TokenSource;
  /** Where the counts come from, for reports: e.g. `llama.cpp /tokenize at http://…` or a file path. */
  readonly label: string;
  /** Token ids of each text as the engine tokenizes a prompt, without the special tokens it adds. */
  encode(texts: string[]): Promise<number[][]>;
  /** Text of each id sequence; absent when the source cannot decode (TGI has no detokenize endpoint). */
  decode?(sequences: number[][]): Promise<string[]>;
  /** How many special tokens (BOS, EOS) are added to every prompt: 1 for llama's BOS. */
  specialTokens(): Promise<number>;
  /** Releases connections the counter holds, if any. */
  close?(): Promise<void>;
}

/** A text for telling a tokenizer's special tokens apart from the text's own. */
export const SPECIAL_TOKEN_PROBE = "Hello world";
