/**
 * Token counts from a local Hugging Face `tokenizer.json` (pure JS, `@huggingface/tokenizers`),
 * for engines without a tokenize endpoint. Nothing is downloaded: the user points at the file,
 * or at the model folder holding it (a `tokenizer_config.json` beside it is read when present).
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { KittError } from "../../errors.js";
import { SPECIAL_TOKEN_PROBE, type TokenCounter } from "./token-counter.js";

export class TokenizerJsonCounter implements TokenCounter {
  readonly source = "tokenizer.json" as const;

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly label: string,
  ) {}

  async encode(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.tokenizer.encode(text, { add_special_tokens: false }).ids);
  }

  async decode(sequences: number[][]): Promise<string[]> {
    // No clean-up of spaces before punctuation: the text must re-encode to the same ids.
    const options = { skip_special_tokens: false, clean_up_tokenization_spaces: false };
    return sequences.map((ids) => (ids.length === 0 ? "" : this.tokenizer.decode(ids, options)));
  }

  async specialTokens(): Promise<number> {
    const withSpecial = this.tokenizer.encode(SPECIAL_TOKEN_PROBE, { add_special_tokens: true }).ids.length;
    return withSpecial - this.tokenizer.encode(SPECIAL_TOKEN_PROBE, { add_special_tokens: false }).ids.length;
  }
}

/** Loads `path` (a tokenizer.json, or a folder holding one). */
export async function loadTokenizerJson(path: string): Promise<TokenizerJsonCounter> {
  const isDir = await stat(path).then(
    (info) => info.isDirectory(),
    () => {
      throw new KittError("NOT_FOUND", `tokenizer file ${path} does not exist`);
    },
  );
  const file = isDir ? join(path, "tokenizer.json") : path;
  const tokenizerJson = await readJson(file, true);
  const config = (await readJson(join(dirname(file), "tokenizer_config.json"), false)) ?? {};
  try {
    return new TokenizerJsonCounter(new Tokenizer(tokenizerJson as object, config as object), file);
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${file} is not a tokenizer kitt can load: ${(error as Error).message}`, { cause: error });
  }
}

async function readJson(file: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (!required) return undefined;
    throw new KittError("NOT_FOUND", `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object");
    return value;
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${file} is not valid tokenizer JSON: ${(error as Error).message}`, { cause: error });
  }
}
