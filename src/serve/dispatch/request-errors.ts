/** Sorts a failed request into RequestRecord's error kinds, with a one-line message. */
import { isKittError } from "../../errors.js";
import type { RequestErrorKind } from "../types.js";

export interface RequestError {
  kind: RequestErrorKind;
  message: string;
}

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);

/**
 * `responseStarted`: the status line had arrived, so a broken connection is a broken stream
 * rather than a failure to connect. `aborted`: the load generator stopped the request itself.
 */
export function classifyRequestError(error: unknown, state: { responseStarted: boolean; aborted: boolean }): RequestError {
  const message = errorLine(error);
  if (state.aborted) return { kind: "aborted", message: "stopped by the load generator" };
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) return { kind: "timeout", message };
  // The protocol parsers fail with a KittError on invalid JSON or an error object in the stream.
  if (isKittError(error) || state.responseStarted) return { kind: "stream", message };
  return { kind: "connection", message };
}

/** A non-2xx answer, with the first line of its body. */
export function httpError(statusCode: number, body: string): RequestError {
  const firstLine = body.split("\n").find((line) => line.trim())?.trim() ?? "(empty body)";
  return { kind: "http", message: `HTTP ${statusCode}: ${firstLine.slice(0, 300)}` };
}

function innerError(error: unknown): unknown {
  // Connecting may fail with an AggregateError over the IPv4 and IPv6 attempts.
  return error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
}

function errorCode(error: unknown): string | undefined {
  const code = (innerError(error) as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function errorLine(error: unknown): string {
  const inner = innerError(error);
  if (!(inner instanceof Error)) return String(inner);
  const code = errorCode(inner);
  const message = inner.message.split("\n")[0] || inner.name;
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}
