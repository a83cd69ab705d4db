/**
 * Token log-probabilities for the emulators: the legacy completions `logprobs` object
 * (`{tokens, token_logprobs, top_logprobs, text_offset}`), as vLLM, SGLang and TabbyAPI return it
 * for `logprobs: N` on `/v1/completions`, with `echo: true` covering the prompt too (its first
 * token has no log-probability); and the same prompt values as a list, for the engines' native
 * shapes (SGLang's `input_token_logprobs`, TGI's `prefill`). A prompt sent as text is split into
 * words with the whitespace before them; one sent as token ids has exactly those tokens. Values
 * are deterministic stand-ins of a token's text and position, equal on every engine for the same
 * prompt tokens: the chosen token always leads its top list, as under greedy decoding, and the
 * letters " A"–" D" are among the alternatives so multiple-choice scorers find them.
 */
import { HttpError, RawJson } from "./http-util.mjs";

const ALTERNATIVES = [" A", " B", " C", " D", " the", " and", " of", " to", "\n", ".", ",", " a", " in", " is", " that", " it", " for", " on", " with", " as"];

/** Tokens whose concatenation is exactly `text`: each word with the whitespace before it, and trailing whitespace. */
export function textTokens(text) {
  return text.match(/\s*\S+|\s+/g) ?? [];
}

function hash(text, seed) {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

/**
 * A token's log-probability is one of these steps in [−8, −0.05), picked by the token and its
 * position (cheap: no look at the text before it). Each step's JSON text is written once:
 * turning numbers into text was most of the time an echoed 5-shot prompt took to answer.
 */
const LOGPROB_STEPS = 7950;
const logprobValues = Array.from({ length: LOGPROB_STEPS }, (_, step) => -0.05 - step / 1000);
const logprobTexts = logprobValues.map(String);

function logprobStep(token, position) {
  return hash(token, position) % LOGPROB_STEPS;
}

function logprobOf(token, position) {
  return logprobValues[logprobStep(token, position)];
}

/** Positions are counted from a number drawn from the prompt's end, so different questions rank alternatives differently. */
function positionBase(prompt) {
  return hash(prompt.slice(-32), 3) % 100_000;
}

/** The top list as JSON text: the chosen token first, then alternatives below it, in an order that depends on the position. */
function topListJson(chosen, chosenJson, chosenLogprob, chosenLogprobText, position, n) {
  let text = `{${chosenJson}:${chosenLogprobText}`;
  let size = 1;
  for (const alternative of ALTERNATIVES) {
    if (size >= n) break;
    if (alternative === chosen) continue;
    text += `,${JSON.stringify(alternative)}:${alternativeLogprob(alternative, chosenLogprob, position)}`;
    size++;
  }
  return `${text}}`;
}

/** An alternative's log-probability: below the chosen token's, in an order that depends on the position. */
function alternativeLogprob(alternative, chosenLogprob, position) {
  return chosenLogprob - 0.1 - (hash(alternative, position * 31 + 11) % 5000) / 1000;
}

/**
 * The prompt tokens' values, as `completionLogprobs` echoes them: `logprob` null for the first;
 * `top` the chosen token and then alternatives, `n` in all (null for the first).
 * @param {string[]} tokens the prompt's tokens (`textTokens` of a text prompt)
 * @returns {{ token: string, logprob: number | null, top: [string, number][] | null }[]}
 */
export function promptLogprobs(tokens, n) {
  const base = positionBase(tokens.join(""));
  return tokens.map((token, i) => {
    if (i === 0) return { token, logprob: null, top: null };
    const position = base + i;
    const logprob = logprobOf(token, position);
    const top = [[token, logprob]];
    for (const alternative of ALTERNATIVES) {
      if (top.length >= n) break;
      if (alternative !== token) top.push([alternative, alternativeLogprob(alternative, logprob, position)]);
    }
    return { token, logprob, top };
  });
}

/**
 * @param {{ prompt: string, promptTokens?: string[], promptTokenJsons?: string[], generated: string[], echo: boolean, n: number, maxLogprobs: number }} request
 *   `promptTokens`: the prompt's tokens when it came as ids (`textTokens(prompt)` otherwise), and
 *   `promptTokenJsons` their JSON where the vocabulary keeps it; `generated`: the answer's
 *   tokens; `n`: the `logprobs` the request asked for.
 * @returns {RawJson} `{text_offset, token_logprobs, tokens, top_logprobs}`, written as JSON text
 *   (an echoed 5-shot prompt has hundreds of tokens, each with its own top list).
 */
export function completionLogprobs({ prompt, promptTokens = textTokens(prompt), promptTokenJsons, generated, echo, n, maxLogprobs }) {
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `logprobs must be a non-negative integer, got ${JSON.stringify(n)}.`);
  if (n > maxLogprobs) throw new HttpError(400, `Requested sample logprobs of ${n}, which is greater than max allowed: ${maxLogprobs}`);
  const tokens = [];
  const tokenLogprobs = [];
  const topLogprobs = [];
  const textOffset = [];
  // Offsets count from the start of the returned text: the prompt's when echoed, else the answer's.
  let offset = 0;
  const base = positionBase(prompt);
  const add = (token, first, json = JSON.stringify(token)) => {
    const position = base + tokens.length;
    textOffset.push(offset);
    tokens.push(json);
    if (first) {
      tokenLogprobs.push("null");
      topLogprobs.push("null");
    } else {
      const step = logprobStep(token, position);
      const logprob = logprobValues[step];
      const logprobText = logprobTexts[step];
      tokenLogprobs.push(logprobText);
      topLogprobs.push(n === 0 ? "null" : topListJson(token, json, logprob, logprobText, position, n));
    }
    offset += token.length;
  };
  if (echo) promptTokens.forEach((token, i) => add(token, i === 0, promptTokenJsons?.[i]));
  for (const token of generated) {
    if (token === "") continue;
    add(token, false);
  }
  return new RawJson(
    `{"text_offset":[${textOffset.join(",")}],"token_logprobs":[${tokenLogprobs.join(",")}],"tokens":[${tokens.join(",")}],"top_logprobs":[${topLogprobs.join(",")}]}`,
  );
}
