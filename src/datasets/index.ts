/**
 * The serving benchmark's data sets by kind: each turns its spec into `ServeRequest`s whose
 * prompt lengths the token counter measured, and says how preparing them went.
 *
 * ```ts
 * const counter = await chooseTokenCounter({ engine, baseUrl, model, tokenizerPath, needsDecode: needsDecode(spec) });
 * const { requests, stats } = await loadServeDataset(spec, counter);
 * ```
 */
import type { ServeRequest } from "../serve/types.js";
import { loadFixedPrompts, type FixedPromptsOptions } from "./fixed-prompts.js";
import { loadJsonlPrompts, type JsonlPromptsOptions } from "./jsonl-prompts.js";
import { buildRandomDataset, type RandomDatasetOptions } from "./random.js";
import { loadShareGpt, type ShareGptOptions } from "./sharegpt.js";
import type { TokenCounter, TokenSource } from "./tokenizers/token-counter.js";

export type ServeDatasetSpec =
  | ({ kind: "random" } & RandomDatasetOptions)
  | ({ kind: "sharegpt" } & ShareGptOptions)
  | ({ kind: "jsonl" } & JsonlPromptsOptions)
  | ({ kind: "prompts" } & FixedPromptsOptions);

export type ServeDatasetKind = ServeDatasetSpec["kind"];

export interface ServeDatasetStats {
  kind: ServeDatasetKind;
  /** Wall time to prepare the requests, token counting included. */
  prepare_ms: number;
  token_source: TokenSource;
  /** Which endpoint or file counted the tokens. */
  token_counter: string;
  requests: number;
  total_prompt_tokens: number;
  total_output_tokens: number;
  /** Random data set: prompts whose re-encoded length is exactly the target; null for the other kinds. */
  exact_length_hits: number | null;
  /** ShareGPT: conversations without a human turn and a reply; 0 for the other kinds. */
  skipped: number;
  /** ShareGPT: pairs outside the length limits; 0 for the other kinds. */
  filtered: number;
  /** Requests that repeat a prompt because the source had fewer usable prompts than asked for. */
  repeated: number;
  /** Of `requests`, how many were set aside for warm-up (`loadServeDatasetWithWarmup`); absent when none were asked for. */
  warmup_requests?: number;
}

export interface ServeDataset {
  requests: ServeRequest[];
  stats: ServeDatasetStats;
}

/** Whether the data set turns token ids back into text (only the random one builds prompts from ids). */
export function needsDecode(spec: Pick<ServeDatasetSpec, "kind">): boolean {
  return spec.kind === "random";
}

type Prepared = Pick<ServeDatasetStats, "exact_length_hits" | "skipped" | "filtered" | "repeated"> & { requests: ServeRequest[] };

async function prepare(spec: ServeDatasetSpec, counter: TokenCounter): Promise<Prepared> {
  const none = { exact_length_hits: null, skipped: 0, filtered: 0, repeated: 0 };
  switch (spec.kind) {
    case "random": {
      const { requests, exactLengthHits } = await buildRandomDataset(spec, counter);
      return { ...none, requests, exact_length_hits: exactLengthHits };
    }
    case "sharegpt": {
      const { requests, skipped, filtered, repeated } = await loadShareGpt(spec, counter);
      return { ...none, requests, skipped, filtered, repeated };
    }
    case "jsonl":
      return { ...none, ...(await loadJsonlPrompts(spec, counter)) };
    case "prompts":
      return { ...none, ...(await loadFixedPrompts(spec, counter)) };
  }
}

export async function loadServeDataset(spec: ServeDatasetSpec, counter: TokenCounter): Promise<ServeDataset> {
  const started = performance.now();
  const { requests, ...counts } = await prepare(spec, counter);
  const stats: ServeDatasetStats = {
    kind: spec.kind,
    prepare_ms: performance.now() - started,
    token_source: counter.source,
    token_counter: counter.label,
    requests: requests.length,
    total_prompt_tokens: requests.reduce((sum, request) => sum + request.promptTokens, 0),
    total_output_tokens: requests.reduce((sum, request) => sum + request.outputTokens, 0),
    ...counts,
  };
  return { requests, stats };
}

export interface ServeDatasetWithWarmup extends ServeDataset {
  /** Warm-up requests: drawn the same way as the measured ones, from beyond them. */
  warmup: ServeRequest[];
}

/**
 * The data set with `warmup` more prompts, split off after the measured ones (the first
 * `numPrompts`, the same ones a run without warm-up gets from a seeded source), so warm-up
 * prompts are not measured prompts unless the source runs out of distinct ones. A spec without
 * `numPrompts` measures every entry, so its warm-up has to reuse them.
 */
export async function loadServeDatasetWithWarmup(spec: ServeDatasetSpec, counter: TokenCounter, warmup: number): Promise<ServeDatasetWithWarmup> {
  if (warmup === 0) return { ...(await loadServeDataset(spec, counter)), warmup: [] };
  const measured = spec.numPrompts;
  const dataset = await loadServeDataset(measured === undefined ? spec : { ...spec, numPrompts: measured + warmup }, counter);
  const requests = measured === undefined ? dataset.requests : dataset.requests.slice(0, measured);
  const warmupRequests =
    measured === undefined
      ? Array.from({ length: warmup }, (_, index) => requests[index % requests.length] as ServeRequest)
      : dataset.requests.slice(measured);
  return { requests, warmup: warmupRequests, stats: { ...dataset.stats, warmup_requests: measured === undefined ? 0 : warmupRequests.length } };
}

export { chooseTokenCounter, type ChooseTokenCounterOptions } from "./tokenizers/choose-token-counter.js";
export type { TokenCounter, TokenSource } from "./tokenizers/token-counter.js";
