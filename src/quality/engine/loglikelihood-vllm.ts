/**
 * vLLM: `/v1/completions` with `echo: true, logprobs: 1, max_tokens: 1` returns every prompt
 * token's log-probability (`token_logprobs`, the first null) and the top-1 alternatives per
 * position, followed by the one generated token. Prompts go as lists of token ids, several in one
 * batch (one choice per prompt, by `index`), in the body lm-evaluation-harness's
 * `local-completions` sends (`seed: 1234` included); each choice drops its last token, the one
 * generated.
 */
import { KittError } from "../../errors.js";
import { asRecord } from "../../protocols/json-fields.js";
import type { PromptTokens } from "./continuation-tokens.js";
import { JsonScanError, JsonScanner, type JsonArraySpans } from "./json-scan.js";

/** lm-evaluation-harness's default `seed`, which its API models put in every request. */
const HARNESS_SEED = 1234;

export function vllmLoglikelihoodRequest(model: string, prompts: readonly (readonly number[])[]) {
  return { path: "/v1/completions", body: { model, prompt: prompts, temperature: 0, max_tokens: 1, logprobs: 1, seed: HARNESS_SEED, echo: true } };
}

/**
 * Each prompt's tokens from a batched answer's body, in the order the prompts were sent. The body
 * is read in place (`JsonScanner`): an echoed 5-shot prompt has hundreds of tokens, and only the
 * few a continuation covers are parsed.
 */
export function parseVllmBatchPromptTokens(body: Buffer, count: number): PromptTokens[] {
  let choices: ChoiceSpans[] | undefined;
  try {
    const json = new JsonScanner(body);
    const start = json.start();
    const end = json.isObject(start)
      ? json.object(start, (key, at) => {
          if (key !== "choices") return undefined;
          choices = undefined;
          if (!json.isArray(at)) return undefined;
          const found: ChoiceSpans[] = [];
          choices = found;
          return json.elements(at, (element) => {
            const choice = readChoice(json, element);
            found.push(choice);
            return choice.end;
          });
        })
      : json.skip(start);
    json.finish(end);
  } catch (error) {
    if (!(error instanceof JsonScanError)) throw error;
    throw new KittError("ENGINE_REQUEST_FAILED", `vLLM answered /v1/completions with something that is not JSON: ${error.message}`, { cause: error });
  }
  if (choices === undefined || choices.length !== count) {
    throw new KittError("ENGINE_REQUEST_FAILED", `vLLM answered a batch of ${count} prompts with ${choices === undefined ? "no" : choices.length} choices`);
  }
  const byIndex: PromptTokens[] = [];
  choices.forEach((choice, position) => {
    byIndex[choice.index ?? position] = choiceTokens(choice);
  });
  return Array.from({ length: count }, (_, i) => {
    const tokens = byIndex[i];
    if (tokens === undefined) throw new KittError("ENGINE_REQUEST_FAILED", `vLLM's batch answer has no choice with index ${i}`);
    return tokens;
  });
}

/** Where a choice's parts sit in the answer. */
interface ChoiceSpans {
  end: number;
  index: number | undefined;
  tokens?: JsonArraySpans;
  values?: JsonArraySpans;
  top?: JsonArraySpans;
}

/** A choice's `index` and its `logprobs` arrays; what is missing or not of its type stays undefined. */
function readChoice(json: JsonScanner, at: number): ChoiceSpans {
  const choice: ChoiceSpans = { end: at, index: undefined };
  if (!json.isObject(at)) {
    choice.end = json.skip(at);
    return choice;
  }
  const arrayAt = (position: number) => (json.isArray(position) ? json.arraySpans(position) : undefined);
  choice.end = json.object(at, (key, value) => {
    if (key === "index") {
      const read = json.value(value);
      choice.index = typeof read.value === "number" && Number.isFinite(read.value) ? read.value : undefined;
      return read.end;
    }
    if (key !== "logprobs") return undefined;
    choice.tokens = choice.values = choice.top = undefined;
    if (!json.isObject(value)) return undefined;
    return json.object(value, (field, position) => {
      const read = field === "tokens" || field === "token_logprobs" || field === "top_logprobs" ? arrayAt(position) : undefined;
      if (field === "tokens") choice.tokens = read?.spans;
      else if (field === "token_logprobs") choice.values = read?.spans;
      else if (field === "top_logprobs") choice.top = read?.spans;
      return read?.end;
    });
  });
  return choice;
}

/** A choice's echoed prompt tokens; the last token listed is the one generated. */
function choiceTokens({ tokens, values, top }: ChoiceSpans): PromptTokens {
  if (tokens === undefined || values === undefined || tokens.length !== values.length) {
    throw new KittError("ENGINE_REQUEST_FAILED", "vLLM answered without echoed prompt logprobs (choices[].logprobs.tokens/token_logprobs)");
  }
  return {
    count: tokens.length - 1,
    at(i) {
      const value = values.parse(i);
      const logprob = typeof value === "number" ? value : null;
      const alternatives = asRecord(top !== undefined && i < top.length ? top.parse(i) : undefined);
      const best = alternatives ? Math.max(...Object.values(alternatives).filter((v): v is number => typeof v === "number")) : undefined;
      return {
        text: String(tokens.parse(i)),
        logprob,
        greedy: logprob === null || best === undefined || !Number.isFinite(best) ? null : logprob >= best,
      };
    },
  };
}
