/**
 * Every failure kitt reports to a user is a `KittError` with a stable string code.
 * The code decides the process exit code in exactly one place (`EXIT_CODES`), so scripts
 * can rely on them; the message is one line a person can act on.
 */

export const EXIT_CODES = {
  INTERNAL: 1,
  USAGE: 2,
  MODEL_NOT_FOUND: 3,
  UNKNOWN_ENGINE: 4,
  UNSUPPORTED_FORMAT: 5,
  PORT_IN_USE: 6,
  DOCKER_UNAVAILABLE: 7,
  IMAGE_MISSING: 8,
  ENGINE_START_FAILED: 9,
  READINESS_TIMEOUT: 10,
  ENGINE_DIED: 11,
  ENGINE_REQUEST_FAILED: 12,
  PLATFORM_UNSUPPORTED: 13,
  CONFIG_INVALID: 14,
  BUILD_FAILED: 15,
  BENCHMARK_FAILED: 16,
  NOT_FOUND: 17,
  STORAGE_FAILED: 18,
  /** A download (data sets from the Hugging Face Hub) that could not be completed or verified. */
  DOWNLOAD_FAILED: 19,
  /** `kitt web` asked to listen beyond loopback with no token configured (and no `--insecure`). */
  UNSAFE_BIND: 20,
  /** `kitt agent`: the server refused the agent's token (revoked or rotated away); the agent stops. */
  AGENT_REVOKED: 21,
  /** `kitt agent`: the server did not answer (network, timeout, 5xx). */
  SERVER_UNREACHABLE: 22,
  /** `kitt agent`: the server's certificate is not the one pinned with `--ca-pin`. */
  TLS_PIN_MISMATCH: 23,
  /** A download source refused the credentials (wrong S3 secret, a gated Hub repo without a token). */
  DOWNLOAD_AUTH_FAILED: 24,
  /** A path from a remote listing or a request would land outside its root (`../`, absolute). */
  UNSAFE_PATH: 25,
  /** Not enough free space at the destination for what is about to be written. */
  NO_SPACE: 26,
  /** The engine refused to load or unload a LoRA adapter (e.g. vLLM without runtime LoRA updating). */
  LORA_REFUSED: 27,
  INTERRUPTED_SIGINT: 130,
  INTERRUPTED_SIGTERM: 143,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export class KittError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown under the one-line message (e.g. an engine's last log lines). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KittError";
    this.code = code;
    this.details = options?.details ?? [];
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** Raised when a run is stopped by SIGINT or SIGTERM; carries the conventional 128+n exit code. */
export class InterruptedError extends KittError {
  readonly signal: "SIGINT" | "SIGTERM";

  constructor(signal: "SIGINT" | "SIGTERM") {
    super(signal === "SIGINT" ? "INTERRUPTED_SIGINT" : "INTERRUPTED_SIGTERM", `interrupted by ${signal}`);
    this.name = "InterruptedError";
    this.signal = signal;
  }
}

export function isKittError(error: unknown): error is KittError {
  return error instanceof KittError;
}

/** Exit code for anything thrown out of a command. */
export function exitCodeFor(error: unknown): number {
  return isKittError(error) ? error.exitCode : EXIT_CODES.INTERNAL;
}

/** One line for a person: a KittError's message, or a short form of anything else. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
