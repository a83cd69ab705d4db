/**
 * The most tokens a tokenizer can make of a text, counted without asking it (special tokens
 * aside): a prompt well within the context needs no tokenize request to show that it fits.
 *
 * Every token covers at least one byte of the text as the tokenizer sees it. Byte-level BPE
 * (GPT-2, Llama 3, Qwen) merges the text's bytes; SentencePiece (Llama 2, Mistral, Gemma) and
 * llama.cpp's SPM merge its characters and fall back to one token per byte only for a character
 * their vocabulary lacks; a special token spelled out in the text becomes one token for its
 * several characters. What the tokenizer sees can be longer than the text: by one space in front
 * (SentencePiece's dummy prefix, byte-level BPE's `add_prefix_space`), and by what normalization
 * adds. That is nothing for ASCII (NFC, NFKC and lowercasing keep it as it is, and the "▁"
 * SentencePiece writes for a space is one character of its vocabulary), but a character beyond
 * ASCII can become up to 18 characters (NFKC's longest expansion, U+FDFA) of up to 4 bytes each.
 */

const LEADING_SPACE = 1;
const MOST_BYTES_PER_NON_ASCII = 18 * 4;

export function mostTokens(text: string): number {
  let count = LEADING_SPACE;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      count += 1;
      continue;
    }
    count += MOST_BYTES_PER_NON_ASCII;
    // A surrogate pair is one character.
    if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
  }
  return count;
}
