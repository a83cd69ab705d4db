/**
 * `mostTokens` against real tokenizers, on the texts most likely to break it: a leading newline
 * (SentencePiece's dummy prefix becomes a token of its own), characters every vocabulary lacks
 * (byte fallback, a token per byte), NFKC expansions (U+FDFA becomes 18 characters), special
 * tokens spelled out, and MMLU prompts. Tokenizers: llama's SentencePiece vocabulary with byte
 * fallback (as Hugging Face converts it, and in the real llama-server), the worst a byte-level
 * BPE can do (no merges at all, a space put in front), and an NFKC-normalizing SentencePiece
 * whose vocabulary holds nothing but bytes. Each must give no text more tokens, its special tokens
 * aside, than the bound.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Tokenizer } from "@huggingface/tokenizers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMmluData } from "../../../src/quality/tasks/mmlu/dataset.js";
import { mostTokens } from "../../../src/quality/engine/token-bound.js";
import { createMmluTask } from "../../../src/quality/tasks/mmlu/prompts.js";
import { NativeProcess } from "../../../src/runtime/native.js";
import { llamaServerEnv } from "../../../src/setup/llama-cpp-build.js";
import { llamaSpmTokenizerJson } from "../../datasets/llama-spm-tokenizer-json.js";
import { ensureTestModel, freePort, requireLlamaServer, requireVocabFile } from "../../support/llama.js";
import { FIXTURES } from "../fixture-paths.js";

const HARD_TEXTS = [
  "",
  "a",
  "\n",
  "\n\n\nx",
  " ",
  "   three spaces first",
  "trailing spaces   ",
  "\t\r\n mixed\u000b\f whitespace",
  "\u0000\u0001\u0002\u007f control characters",
  "😀👍🏽🇫🇷 emoji with modifiers and flags",
  "ﷺ ﷺﷺ expands eighteen-fold under NFKC",
  "㍻ ﬁ ﬃ ℌ ⅷ ½ ㎏ compatibility characters",
  "İstanbul ǅ ß ẞ case mappings",
  "é and e\u0301, ñ and n\u0303",
  "漢字かな交じり文 한국어 العربية ελληνικά",
  "\ud83d lone surrogates \ude00",
  "<s></s><unk> special tokens spelled out <s>",
  "1234567890 0.000001 -3.14159e+10 digits",
  "~!@#$%^&*()_+`-=[]{}|;':\",./<>?\\",
  "x".repeat(500),
  " x".repeat(300),
];

/** A seeded mix of ASCII, spaces, newlines and characters from every width of UTF-8. */
function randomTexts(count: number): string[] {
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pool = [..."abcXYZ019 .,;:!?\n\t", "é", "ß", "ﷺ", "漢", "😀", "\u0301", "▁", "<s>"];
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 80) }, () => pool[Math.floor(next() * pool.length)]).join(""));
}

async function mmluPrompts(): Promise<string[]> {
  const { data } = await loadMmluData({ dataDir: join(FIXTURES, "mmlu"), source: "local" });
  const task = createMmluTask(data, { shots: 1 });
  return task.documents.flatMap((doc) => [task.lettered!(doc).prompt, task.multipleChoice!(doc).context]);
}

const TEXTS = [...HARD_TEXTS, ...randomTexts(300), ...(await mmluPrompts())];

type Encode = (text: string, special: boolean) => number[] | Promise<number[]>;

/** Texts given more tokens than the bound allows, special tokens aside (counted as `encode` adds them to "a"). */
async function overBound(encode: Encode, texts = TEXTS): Promise<{ text: string; tokens: number; bound: number }[]> {
  const special = (await encode("a", true)).length - (await encode("a", false)).length;
  const over = [];
  for (const text of texts) {
    const tokens = (await encode(text, true)).length;
    const bound = mostTokens(text) + special;
    if (tokens > bound) over.push({ text, tokens, bound });
  }
  return over;
}

const hf = (tokenizer: Tokenizer): Encode => (text, special) => tokenizer.encode(text, { add_special_tokens: special }).ids;

/** GPT-2's map of bytes to printable characters, which byte-level BPE vocabularies are written in. */
function byteLevelAlphabet(): string[] {
  const printable = [...Array.from({ length: 94 }, (_, i) => 33 + i), ...Array.from({ length: 12 }, (_, i) => 161 + i), ...Array.from({ length: 82 }, (_, i) => 174 + i)];
  let extra = 0;
  return Array.from({ length: 256 }, (_, byte) => String.fromCodePoint(printable.includes(byte) ? byte : 256 + extra++));
}

const vocabFile = await requireVocabFile();

describe("the most tokens a tokenizer can make of a text", () => {
  it("counts ASCII by the byte, anything else by its longest expansion, plus one leading space", () => {
    expect(mostTokens("")).toBe(1);
    expect(mostTokens("Answer:")).toBe(8);
    expect(mostTokens("é")).toBe(1 + 72);
    // A surrogate pair is one character; a lone half counts as one too.
    expect(mostTokens("😀")).toBe(1 + 72);
    expect(mostTokens("\ud83d")).toBe(1 + 72);
  });

  it.skipIf(!vocabFile)("holds for llama's SentencePiece vocabulary with byte fallback", async () => {
    const tokenizer = new Tokenizer(await llamaSpmTokenizerJson(vocabFile!), {});
    expect(await overBound(hf(tokenizer))).toEqual([]);
    // The leading newline costs a "▁" token and a byte token: two tokens for one byte, one under the bound.
    expect(tokenizer.encode("\n", { add_special_tokens: false }).ids.length).toBe(2);
  });

  it("holds for a byte-level BPE without merges, which makes a token of every byte and the space it puts first", async () => {
    const alphabet = byteLevelAlphabet();
    const tokenizer = new Tokenizer(
      {
        normalizer: null,
        pre_tokenizer: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
        post_processor: null,
        decoder: { type: "ByteLevel" },
        added_tokens: [],
        model: { type: "BPE", vocab: Object.fromEntries(alphabet.map((char, id) => [char, id])), merges: [], byte_fallback: false, ignore_merges: false },
      },
      {},
    );
    expect(await overBound(hf(tokenizer))).toEqual([]);
    // The bound is reached: every byte and the leading space.
    expect(tokenizer.encode("Answer:", { add_special_tokens: false }).ids.length).toBe(mostTokens("Answer:"));
  });

  it("holds for an NFKC-normalizing SentencePiece whose vocabulary holds only bytes", async () => {
    const bytes = Array.from({ length: 256 }, (_, byte) => `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
    const tokenizer = new Tokenizer(
      {
        normalizer: { type: "NFKC" },
        pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: false },
        post_processor: null,
        decoder: null,
        added_tokens: [],
        model: { type: "BPE", vocab: Object.fromEntries(["<unk>", "▁", ...bytes].map((piece, id) => [piece, id])), merges: [], byte_fallback: true, unk_token: "<unk>" },
      },
      {},
    );
    expect(await overBound(hf(tokenizer))).toEqual([]);
    // U+FDFA becomes 18 characters, 33 bytes: 34 tokens with the leading "▁".
    expect(tokenizer.encode("ﷺ", { add_special_tokens: false }).ids.length).toBe(34);
  });
});

const install = await requireLlamaServer();

describe.skipIf(!install)("the most tokens llama-server's own tokenizer makes of a text (tiny model, llama's vocabulary)", () => {
  let server: NativeProcess;
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    server = new NativeProcess({
      engineName: "llama_cpp",
      command: { command: install!.binary, args: ["-m", await ensureTestModel(), "--host", "127.0.0.1", "--port", String(port)], env: llamaServerEnv(install!, {}) as Record<string, string> },
    });
    await server.launch();
    for (let deadline = Date.now() + 60_000; ; await sleep(100)) {
      if (server.hasExited) throw new Error(`llama-server exited while starting:\n${server.recentLogs(20).join("\n")}`);
      if ((await fetch(`${baseUrl}/health`).then((response) => response.status, () => 0)) === 200) break;
      if (Date.now() > deadline) throw new Error(`${baseUrl}/health did not answer 200 within 60 s`);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("holds, special tokens spelled out in the text (parsed, as kitt asks) included", async () => {
    const encode: Encode = async (text, special) => {
      const response = await fetch(`${baseUrl}/tokenize`, { method: "POST", body: JSON.stringify({ content: text, add_special: special, parse_special: true }) });
      const answer = (await response.json()) as { tokens?: number[] };
      if (answer.tokens === undefined) throw new Error(`llama-server answered ${JSON.stringify(answer)} for ${JSON.stringify(text)}`);
      return answer.tokens;
    };
    // Its JSON parser refuses a lone surrogate, so that text is left out.
    const wellFormed = TEXTS.filter((text) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text));
    expect(wellFormed.length).toBe(TEXTS.length - 1);
    expect(await overBound(encode, wellFormed)).toEqual([]);
  });
});
