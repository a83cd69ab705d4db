/**
 * The `Engine` kitt hands to benchmarks: an engine spec bound to a runtime (container,
 * native process or external endpoint) and to the spec's first protocol.
 *
 * Termination follows the MLC-LLM rules: return at once if already terminated; mark
 * terminated; release attached resources (samplers) newest first; then stop the runtime,
 * which releases its own log followers before stopping and removing the server.
 */
import { KittError } from "../errors.js";
import { generate, streamGeneration } from "../protocols/client.js";
import { getProtocol } from "../protocols/index.js";
import type { GenerateRequest, GenerateResult, Protocol, StreamEvent } from "../protocols/types.js";
import { describeExit, type EngineProcess } from "../runtime/engine-process.js";
import { track } from "../runtime/lifecycle.js";
import { waitForReady, type BackoffOptions } from "../runtime/readiness.js";
import type { Engine } from "./engine.js";
import type { EngineSpec } from "./types.js";

export interface ManagedEngineOptions {
  spec: EngineSpec;
  process: EngineProcess;
  baseUrl: string;
  modelName: string;
  backoff?: Partial<BackoffOptions>;
  /** Give up on readiness once connections were refused this long (engines kitt does not run). */
  refusedTimeoutMs?: number;
  /** Called with each readiness probe, for progress output. */
  onProbe?: (status: number) => void;
}

type State = "created" | "starting" | "running" | "terminated";

export class ManagedEngine implements Engine {
  readonly spec: EngineSpec;
  readonly baseUrl: string;
  readonly modelName: string;
  readonly protocol: Protocol;
  #state: State = "created";
  #terminating: Promise<void> | undefined;
  readonly #attached: Array<() => Promise<void>> = [];
  readonly #process: EngineProcess;
  readonly #tracked: Disposable;

  constructor(private readonly options: ManagedEngineOptions) {
    this.spec = options.spec;
    this.baseUrl = options.baseUrl;
    this.modelName = options.modelName;
    this.#process = options.process;
    const protocolName = options.spec.protocols[0];
    if (!protocolName) throw new KittError("INTERNAL", `engine ${options.spec.name} declares no protocol`);
    this.protocol = getProtocol(protocolName);
    this.#tracked = track(this);
  }

  get runtime(): Engine["runtime"] {
    return this.#process.kind;
  }

  /** Where the engine runs, for messages: container name, pid or URL. */
  get location(): string {
    return this.#process.label;
  }

  get state(): State {
    return this.#state;
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== "created") throw new KittError("INTERNAL", `engine ${this.spec.name} already started`);
    this.#state = "starting";
    try {
      await this.#process.launch(signal);
      signal?.throwIfAborted();
      await waitForReady({
        baseUrl: this.baseUrl,
        readiness: this.spec.readiness,
        engineName: this.spec.name,
        process: this.#process,
        backoff: this.options.backoff,
        refusedTimeoutMs: this.options.refusedTimeoutMs,
        signal,
        onProbe: (probe) => this.options.onProbe?.(probe.status),
      });
      if (this.#terminating) throw new KittError("ENGINE_START_FAILED", `${this.spec.name} was terminated while starting`);
      this.#state = "running";
    } catch (error) {
      await this.terminate();
      throw error;
    }
  }

  async generate(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    this.#assertRunning();
    try {
      return await generate({ baseUrl: this.baseUrl, protocol: this.protocol, request: this.#withModel(request), signal });
    } catch (error) {
      throw await this.#explainFailure(error, signal);
    }
  }

  async *stream(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    this.#assertRunning();
    try {
      yield* streamGeneration({ baseUrl: this.baseUrl, protocol: this.protocol, request: this.#withModel(request), signal });
    } catch (error) {
      throw await this.#explainFailure(error, signal);
    }
  }

  recentLogs(lines = 50): string[] {
    return this.#process.recentLogs(lines);
  }

  /** Gives the engine a resource to release before the server itself (e.g. a GPU sampler). */
  attach(release: () => Promise<void>): void {
    this.#attached.push(release);
  }

  terminate(): Promise<void> {
    this.#terminating ??= this.#terminate();
    return this.#terminating;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }

  async #terminate(): Promise<void> {
    this.#state = "terminated";
    for (const release of this.#attached.splice(0).reverse()) {
      await release().catch(() => undefined);
    }
    await this.#process.stop();
    this.#tracked[Symbol.dispose]();
  }

  /** At a forced exit: the runtime's last resort (a detached container removal, a SIGKILLed process group). */
  abandon(): void {
    this.#process.abandon();
  }

  #assertRunning(): void {
    if (this.#state !== "running") {
      throw new KittError("ENGINE_REQUEST_FAILED", `engine ${this.spec.name} is not running (${this.#state})`);
    }
  }

  #withModel(request: GenerateRequest): GenerateRequest {
    return request.model ? request : { ...request, model: this.modelName };
  }

  /** A failed request may mean the engine died: if it exits within a moment, say so with its last logs. */
  async #explainFailure(error: unknown, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return signal.reason ?? error;
    const exited = await Promise.race([
      this.#process.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000).unref()),
    ]);
    if (!exited) return error;
    return new KittError(
      "ENGINE_DIED",
      `engine ${this.spec.name} (${this.#process.label}) died during the run (${describeExit(exited)})`,
      { cause: error, details: this.#process.recentLogs(50) },
    );
  }
}
