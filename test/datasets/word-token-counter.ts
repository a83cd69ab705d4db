/**
 * A token counter for unit tests where every whitespace-separated word is one token: counts
 * are easy to reason about, and decoding joins words with single spaces.
 */
import type { TokenCounter } from "../../src/datasets/tokenizers/token-counter.js";

export class WordTokenCounter implements TokenCounter {
  readonly source = "tokenizer.json" as const;
  readonly label = "one token per word";
  readonly decode?: (sequences: number[][]) => Promise<string[]>;
  readonly #ids = new Map<string, number>();
  readonly #words: string[] = [];
  encodedTexts = 0;

  constructor(
    private readonly special = 1,
    canDecode = true,
  ) {
    if (canDecode) this.decode = async (sequences) => sequences.map((ids) => ids.map((id) => this.#words[id] ?? "?").join(" "));
  }

  async encode(texts: string[]): Promise<number[][]> {
    this.encodedTexts += texts.length;
    return texts.map((text) =>
      text
        .split(/\s+/)
        .filter((word) => word.length > 0)
        .map((word) => {
          let id = this.#ids.get(word);
          if (id === undefined) {
            id = this.#words.push(word) - 1;
            this.#ids.set(word, id);
          }
          return id;
        }),
    );
  }

  async specialTokens(): Promise<number> {
    return this.special;
  }
}

/** `count` distinct words. */
export function words(count: number, stem = "w"): string {
  return Array.from({ length: count }, (_, index) => `${stem}${index}`).join(" ");
}
