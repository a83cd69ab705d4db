/**
 * Seeded pseudo-English: made-up words from common syllables, in sentences and paragraphs
 * with punctuation and the odd number. Any tokenizer splits it into ordinary tokens (no
 * special or byte-fragment tokens), so a slice of its token ids decodes to text that
 * re-encodes to (nearly) the same ids.
 */

const ONSETS = ["", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "qu", "r", "s", "t", "v", "w", "y", "z",
  "bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "sc", "sh", "sl", "sm", "sn", "sp", "st", "str", "th", "tr", "wh"];
const NUCLEI = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "au", "ea", "ee", "ie", "io", "oa", "oo", "ou", "y"];
const CODAS = ["", "", "", "", "", "b", "ck", "d", "ft", "g", "l", "ll", "m", "n", "nd", "ng", "nk", "nt", "p", "r", "rd", "rn",
  "s", "ss", "st", "t", "th", "x"];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function word(random: () => number): string {
  const roll = random();
  if (roll < 0.04) return String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 4))));
  const syllables = roll < 0.45 ? 1 : roll < 0.85 ? 2 : 3;
  let text = "";
  for (let i = 0; i < syllables; i++) text += pick(random, ONSETS) + pick(random, NUCLEI) + pick(random, CODAS);
  return text;
}

function sentence(random: () => number): string {
  const words = 5 + Math.floor(random() * 12);
  let text = "";
  for (let i = 0; i < words; i++) {
    const next = word(random);
    text += i === 0 ? next.charAt(0).toUpperCase() + next.slice(1) : ` ${next}`;
    if (i < words - 1 && random() < 0.1) text += ",";
  }
  const end = random();
  return text + (end < 0.8 ? "." : end < 0.9 ? "?" : "!");
}

/** At least `chars` characters of text drawn from `random` (uniform in [0, 1)). */
export function randomText(random: () => number, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const next = sentence(random) + (random() < 0.08 ? "\n\n" : " ");
    parts.push(next);
    length += next.length;
  }
  return parts.join("");
}
