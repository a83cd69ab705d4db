/**
 * An in-memory `Engine` whose every `generate` answer comes from a script, for testing
 * benchmarks and the suite runner without a server.
 */
import type { Engine } from "../../src/engines/engine.js";
import type { EngineSpec } from "../../src/engines/types.js";
import type { GenerateRequest, GenerateResult, StreamEvent } from "../../src/protocols/types.js";

/** Answers call number `call` (0-based); throw to make the request fail. */
export type Script = (request: GenerateRequest, call: number) => GenerateResult | Promise<GenerateResult>;

const SPEC: EngineSpec = {
  name: "llama_cpp",
  displayName: "Scripted",
  description: "In-memory engine for tests",
  defaultPort: 0,
  readiness: { path: "/health", isReady: () => true, notReadyDescription: "never" },
  protocols: ["openai-completions"],
  formats: ["gguf"],
  runtimes: ["endpoint"],
  capabilities: { promptLogprobs: false, topLogprobs: false, busyConcurrency: 4 },
};

export class ScriptedEngine implements Engine {
  readonly spec = SPEC;
  readonly runtime = "endpoint" as const;
  readonly baseUrl = "http://scripted.invalid";
  readonly modelName = "scripted-model";
  readonly requests: GenerateRequest[] = [];

  constructor(private readonly script: Script = () => result()) {}

  async start(): Promise<void> {}

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    signal?.throwIfAborted();
    this.requests.push(request);
    return this.script(request, this.requests.length - 1);
  }

  stream(): AsyncGenerator<StreamEvent> {
    throw new Error("ScriptedEngine does not stream");
  }

  recentLogs(): string[] {
    return [];
  }

  async terminate(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {}
}

/** A finished generation; 10 server-counted tokens in 500 ms with a 50 ms TTFT unless overridden. */
export function result(overrides: Partial<GenerateResult> = {}): GenerateResult {
  return {
    text: "generated text",
    promptTokens: 12,
    completionTokens: 10,
    tokenSource: "server",
    ttftMs: 50,
    e2eMs: 500,
    chunkTimes: [1, 2, 3],
    finishReason: "length",
    ...overrides,
  };
}
