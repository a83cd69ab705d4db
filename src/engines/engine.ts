/**
 * A running (or about to run) engine: a spec bound to a runtime and a protocol.
 * This is the one interface benchmarks talk to.
 */
import type { GenerateRequest, GenerateResult, StreamEvent } from "../protocols/types.js";
import type { RuntimeKind } from "../runtime/engine-process.js";
import type { EngineSpec } from "./types.js";

export interface Engine extends AsyncDisposable {
  readonly spec: EngineSpec;
  readonly runtime: RuntimeKind;
  /** Base URL of the engine's HTTP API, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Model name to send in requests. */
  readonly modelName: string;
  /** Starts the engine and resolves once it answers ready (KITT's `initialize`). */
  start(signal?: AbortSignal): Promise<void>;
  /** One streamed generation, collected: text, server token counts, TTFT and end-to-end latency. */
  generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult>;
  /** One generation as it streams: chunks stamped with arrival times, then usage and timings. */
  stream(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<StreamEvent>;
  /** The engine's last log lines (empty for endpoints). */
  recentLogs(lines?: number): string[];
  /** Stops and removes everything the engine owns. Idempotent; safe on a half-started engine. */
  terminate(): Promise<void>;
}
