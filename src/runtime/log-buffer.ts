/**
 * Keeps an engine's most recent log lines and tells listeners about each new one.
 * Readiness probes on every line, and errors quote the tail, so both live here.
 */
export type LogListener = (line: string) => void;

export class LogBuffer {
  readonly #lines: string[] = [];
  readonly #listeners = new Set<LogListener>();
  #partial = "";

  constructor(private readonly capacity = 500) {}

  /** Feeds raw output; complete lines are stored and announced, a trailing partial line waits. */
  write(text: string): void {
    const pieces = (this.#partial + text).split(/\r?\n/);
    this.#partial = pieces.pop() ?? "";
    for (const line of pieces) this.#push(line);
  }

  /** Flushes a trailing partial line (at process exit). */
  end(): void {
    if (this.#partial) this.#push(this.#partial);
    this.#partial = "";
  }

  onLine(listener: LogListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  tail(count = 50): string[] {
    return this.#lines.slice(-count);
  }

  #push(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > this.capacity) this.#lines.splice(0, this.#lines.length - this.capacity);
    for (const listener of this.#listeners) listener(line);
  }
}
