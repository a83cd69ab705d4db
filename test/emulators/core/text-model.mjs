/**
 * A stand-in for a model: a whitespace tokenizer and a deterministic word stream. The same
 * prompt and seed always give the same output; `eosAfter` ends an answer "naturally".
 */

const PASSAGE = (
  "the quick brown fox jumps over the lazy dog while a small river runs past the old mill and " +
  "the miller counts his sacks of grain before the evening market opens in the square where " +
  "travellers trade stories about distant mountains cold lakes and the long road to the sea"
).split(" ");

/** Tokens of a text: each word with the whitespace before it. */
export function tokenize(text) {
  return text.match(/\s*\S+/g) ?? [];
}

export function countTokens(text) {
  return Math.max(1, tokenize(text).length);
}

/** Chat prompts pay for the template too: a few tokens per message. */
export function countChatTokens(messages) {
  return messages.reduce((sum, message) => sum + countTokens(String(message.content ?? "")) + 4, 0);
}

/** A hash of the prompt's characters (a surrogate pair counts by its first half). */
function startOffset(prompt, seed) {
  let hash = seed ?? 0;
  for (let i = 0; i < prompt.length; i++) {
    const code = prompt.charCodeAt(i);
    hash = (hash * 31 + code) >>> 0;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < prompt.length) {
      const next = prompt.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return hash % PASSAGE.length;
}

/**
 * Plans one answer. Returns `pieces` (each one generated token; `special` marks end-of-sequence),
 * the visible text, the finish reason ("length" or "stop") and the stop string that matched.
 */
export function planAnswer({ prompt, maxTokens, stop = [], ignoreEos = false, eosAfter, seed }) {
  const pieces = [];
  let text = "";
  const offset = startOffset(prompt, seed);
  const natural = ignoreEos || eosAfter === undefined ? Infinity : eosAfter;
  for (let i = 0; i < maxTokens; i++) {
    if (i >= natural) {
      pieces.push({ text: "", special: true });
      return { pieces, text, finishReason: "stop" };
    }
    const word = ` ${PASSAGE[(offset + i) % PASSAGE.length]}`;
    const candidate = text + word;
    const hit = firstStop(candidate, stop, text.length);
    if (hit) {
      const kept = candidate.slice(0, hit.index);
      pieces.push({ text: kept.slice(text.length) });
      return { pieces, text: kept, finishReason: "stop", matchedStop: hit.stop };
    }
    pieces.push({ text: word });
    text = candidate;
  }
  return { pieces, text, finishReason: "length" };
}

function firstStop(text, stops, searchFrom) {
  let best;
  for (const stop of stops) {
    if (!stop) continue;
    const index = text.indexOf(stop, Math.max(0, searchFrom - stop.length + 1));
    if (index >= 0 && (!best || index < best.index)) best = { index, stop };
  }
  return best;
}
