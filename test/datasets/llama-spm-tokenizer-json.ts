/**
 * A Hugging Face `tokenizer.json` for llama's SentencePiece vocabulary, built from the
 * tokenizer-only GGUF in llama.cpp's source tree (tokens, scores, token types), in the form
 * Hugging Face's own converter gives llama tokenizers: a BPE model with byte fallback whose
 * merge ranks follow the merged pieces' scores, a normalizer that prepends "▁" and turns
 * spaces into "▁", BOS added in front. Tests use it to check the tokenizer.json counter
 * against llama-server's own /tokenize without downloading anything.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readGgufHeader, type GgufMetadata } from "../../src/models/gguf.js";

const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;

function arrayOf<T>(metadata: GgufMetadata, key: string): T[] {
  const value = metadata.get(key);
  if (value?.type !== "array") throw new Error(`vocabulary file lacks ${key}`);
  return value.value as T[];
}

export async function llamaSpmTokenizerJson(vocabFile: string): Promise<object> {
  const { metadata } = await readGgufHeader(vocabFile);
  const tokens = arrayOf<string>(metadata, "tokenizer.ggml.tokens");
  const scores = arrayOf<number>(metadata, "tokenizer.ggml.scores");
  const types = arrayOf<number>(metadata, "tokenizer.ggml.token_type");
  const ids = new Map(tokens.map((token, id) => [token, id]));

  // Every split of a normal piece into two known pieces is a merge, ranked by the piece's score.
  const merges: { left: string; right: string; score: number; ids: [number, number] }[] = [];
  tokens.forEach((piece, id) => {
    if (types[id] !== NORMAL) return;
    const chars = Array.from(piece);
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join("");
      const right = chars.slice(cut).join("");
      const leftId = ids.get(left);
      const rightId = ids.get(right);
      if (leftId !== undefined && rightId !== undefined) merges.push({ left, right, score: scores[id] ?? 0, ids: [leftId, rightId] });
    }
  });
  merges.sort((a, b) => b.score - a.score || a.ids[0] - b.ids[0] || a.ids[1] - b.ids[1]);

  const special = (id: number) => ({ id, content: tokens[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const bos = tokens[1] as string;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: types.flatMap((type, id) => (type === UNKNOWN || type === CONTROL ? [special(id)] : [])),
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "Prepend", prepend: "▁" },
        { type: "Replace", pattern: { String: " " }, content: "▁" },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { [bos]: { id: bos, ids: [1], tokens: [bos] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: tokens[0],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      merges: merges.map((merge) => [merge.left, merge.right]),
    },
  };
}

/** Writes `tokenizer.json` into `dir`; returns its path. */
export async function writeLlamaSpmTokenizerJson(vocabFile: string, dir: string): Promise<string> {
  const path = join(dir, "tokenizer.json");
  await writeFile(path, JSON.stringify(await llamaSpmTokenizerJson(vocabFile)));
  return path;
}
