/**
 * Contracts of the serving benchmark (`kitt bench serve`): what one request records, how
 * load is shaped, and what a finished run reports. Metric definitions follow vLLM's
 * `bench serve` exactly (see `metrics/serve-metrics.ts`); kitt's extra keys sit beside vLLM's.
 *
 * Times are milliseconds. "Run clock" times are offsets from the run's start (the moment
 * just before dispatch began, after warmup), read from `performance.now()`.
 */
import type { ProtocolName } from "../protocols/types.js";

/** One prompt to send, with the lengths the data set promises. */
export interface ServeRequest {
  prompt: string;
  /** Prompt length in tokens, as the data set measured it (engine `/tokenize` or a tokenizer). */
  promptTokens: number;
  /** Requested output length (`max_tokens`). */
  outputTokens: number;
}

export type RequestErrorKind =
  | "http" // non-2xx answer
  | "connection" // refused, reset, DNS
  | "timeout"
  | "stream" // body broke off or carried an error object
  | "empty" // finished without any output chunk
  | "aborted";

/** Everything measured about one request; written as one line of the per-request JSONL. */
export interface RequestRecord {
  index: number;
  /** Run-clock time the schedule wanted the request sent; null when unpaced (infinite rate). */
  scheduledMs: number | null;
  /**
   * Run-clock time the request was handed to a connection, after any concurrency-limit wait:
   * vLLM's start, from which TTFT and E2EL count (they include waiting for a connection).
   */
  sentMs: number;
  /**
   * Run-clock time the request's bytes were written to an open connection, once a connection was
   * free and connected; null when that never happened (connecting failed, or the run stopped first).
   */
  writtenMs: number | null;
  success: boolean;
  /** First chunk carrying `choices` (vLLM's TTFT), relative to `sentMs`. */
  ttftMs: number | null;
  /** First chunk with non-empty content, relative to `sentMs` (kitt's extra). */
  ttftContentMs: number | null;
  /** Last chunk, relative to `sentMs`. */
  e2elMs: number | null;
  /** Arrival of every output chunk relative to `sentMs` (first equals `ttftMs`). */
  chunkMs: number[];
  /** Tokens per chunk when the server says so (TGI, llama.cpp native, Ollama); else null. */
  chunkTokens: number[] | null;
  promptTokens: number;
  /** Server-reported `usage.completion_tokens` (or the protocol's equivalent); null when absent. */
  outputTokens: number | null;
  /** Output tokens counted by the client (chunks, or per-chunk token counts where given). */
  clientOutputTokens: number;
  /** Requested `max_tokens`, for the output-length mismatch count. */
  requestedOutputTokens: number;
  /** Server-reported prompt tokens, for the usage-discrepancy check; null when absent. */
  serverPromptTokens: number | null;
  /** The streamed text, when the run keeps it (`keepText`); else null. */
  generatedText: string | null;
  error: { kind: RequestErrorKind; message: string } | null;
}

export type ArrivalDistribution = "constant" | "poisson" | "gamma";

export interface RampUp {
  strategy: "linear" | "exponential";
  /** Rate at the start of the run; the rate climbs to `endRate` at the last request. */
  startRate: number;
  endRate: number;
}

export interface ScheduleOptions {
  numRequests: number;
  /** Requests per second; Infinity sends everything at t=0. Ignored when `rampUp` is set. */
  requestRate: number;
  distribution: ArrivalDistribution;
  /** Gamma shape; 1 = Poisson. Only for `gamma`. */
  burstiness: number;
  rampUp?: RampUp;
  seed: number;
}

export interface LoadOptions {
  baseUrl: string;
  protocol: ProtocolName;
  model: string;
  /** Cap on requests in flight; Infinity for none. */
  maxConcurrency: number;
  /** Send schedule (run-clock ms per request) from `buildSchedule`; all zeros when unpaced. */
  schedule: Float64Array;
  /** Stop after this long (ms) even if requests remain; Infinity for no limit. */
  durationMs: number;
  /** Stop once this many requests failed… */
  maxErrors: number;
  /** …or once this fraction failed (checked after `minRequestsForErrorRate` completions). */
  maxErrorRate: number;
  ignoreEos: boolean;
  temperature: number;
  /** Keep each request's streamed text in its record (`generatedText`). */
  keepText?: boolean;
  /** Per-request JSONL path; records are streamed to disk, never all held in memory. */
  recordsPath?: string;
}

/** A distribution summary with vLLM's key suffixes (ms). */
export interface LatencyStats {
  mean: number;
  median: number;
  std: number;
  /** Keyed by vLLM's label for the percentile: "99", "99.9". */
  percentiles: Record<string, number>;
}
