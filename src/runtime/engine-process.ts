/**
 * What every runtime (docker container, native process, external endpoint) provides to the
 * engine that owns it. A runtime owns exactly one engine server and nothing else.
 */

export type RuntimeKind = "docker" | "native" | "endpoint";

export interface ProcessExit {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
}

export interface EngineProcess {
  readonly kind: RuntimeKind;
  /** Human-readable identity: container name, `pid 1234`, or the URL. */
  readonly label: string;
  /** Starts the server; resolves once it was launched (not once it is ready). */
  launch(signal?: AbortSignal): Promise<void>;
  /** Resolves when the server exits on its own or is stopped; never rejects. Pending forever for endpoints. */
  readonly exited: Promise<ProcessExit>;
  /** Whether the server has exited. */
  readonly hasExited: boolean;
  onLogLine(listener: (line: string) => void): () => void;
  recentLogs(count?: number): string[];
  /** Stops and removes the server. Idempotent and safe before or during `launch`. */
  stop(): Promise<void>;
  /**
   * At a forced exit, synchronously: kills the server, or hands its removal to a detached
   * process that outlives kitt. Best effort; safe at any moment, never throws.
   */
  abandon(): void;
}

export function describeExit(exit: ProcessExit): string {
  return exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? "unknown"}`;
}
