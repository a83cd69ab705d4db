/**
 * What the docker and native runtimes share: the log buffer, the exit promise, and a
 * `stop()` that runs the runtime's own release steps once, however often it is called.
 */
import type { EngineProcess, ProcessExit } from "./engine-process.js";
import { LogBuffer } from "./log-buffer.js";

export abstract class ProcessBase implements EngineProcess {
  abstract readonly kind: EngineProcess["kind"];
  abstract readonly label: string;
  readonly exited: Promise<ProcessExit>;
  protected readonly logs = new LogBuffer();
  #resolveExit!: (exit: ProcessExit) => void;
  #exit: ProcessExit | undefined;
  #stopping: Promise<void> | undefined;

  constructor() {
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
  }

  abstract launch(signal?: AbortSignal): Promise<void>;

  /** Releases what the runtime holds; called at most once, by `stop()`. */
  protected abstract release(): Promise<void>;

  abstract abandon(): void;

  get hasExited(): boolean {
    return this.#exit !== undefined;
  }

  protected get isStopping(): boolean {
    return this.#stopping !== undefined;
  }

  protected markExited(exit: ProcessExit): void {
    if (this.#exit) return;
    this.logs.end();
    this.#exit = exit;
    this.#resolveExit(exit);
  }

  onLogLine(listener: (line: string) => void): () => void {
    return this.logs.onLine(listener);
  }

  recentLogs(count = 50): string[] {
    return this.logs.tail(count);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.release();
    return this.#stopping;
  }
}
