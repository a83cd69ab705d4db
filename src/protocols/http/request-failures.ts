/**
 * How a failed request to an engine is worded, the same for every caller: `ENGINE_REQUEST_FAILED`
 * with one of
 *
 *   <who> answered <status>: <the first line of what the engine said>
 *   <who> answered with something that is not JSON: <its first line>
 *   <who> gave no answer within <N> s
 *   <who> stream broke off: <reason>            (or "answer broke off" for one answered whole)
 *   cannot reach <name> at <where>: <reason>
 *
 * where `who` is the engine's name, followed by ` at <request URL>` for endpoints named with
 * their URL, and `where` is that URL, or the base URL for endpoints named alone.
 */
import { KittError } from "../../errors.js";

/** How one request's failures name it. */
export interface RequestNames {
  /** e.g. "vLLM", or "vLLM at http://127.0.0.1:8000/tokenize". */
  who: string;
  /** The engine's name alone. */
  name: string;
  /** The URL "cannot reach" names. */
  where: string;
}

function failure(what: string, cause?: unknown): KittError {
  return new KittError("ENGINE_REQUEST_FAILED", what, cause === undefined ? undefined : { cause });
}

/** The engine answered with a status other than 2xx. */
export function answeredFailure(names: RequestNames, status: number, body: Buffer | string): KittError {
  const said = firstLine(typeof body === "string" ? body : body.toString("utf8"), 300);
  return failure(`${names.who} answered ${status}: ${said ?? "(empty body)"}`);
}

/** The request failed before any answer came. */
export function unansweredFailure(names: RequestNames, error: unknown): KittError {
  return failure(`cannot reach ${names.name} at ${names.where}: ${networkReason(error)}`, error);
}

/** The answer began and then failed. */
export function brokeOffFailure(names: RequestNames, streamed: boolean, error: unknown): KittError {
  return failure(`${names.who} ${streamed ? "stream" : "answer"} broke off: ${networkReason(error)}`, error);
}

/** The whole request took longer than it was allowed. */
export function timedOutFailure(names: RequestNames, timeoutMs: number): KittError {
  return failure(`${names.who} gave no answer within ${timeoutMs / 1000} s`);
}

export function notJsonFailure(names: RequestNames, text: string, cause: unknown): KittError {
  return failure(`${names.who} answered with something that is not JSON: ${firstLine(text, 200) ?? "(empty body)"}`, cause);
}

/** Whether a request failed because nothing accepts connections where the engine should be. */
export function connectionRefused(error: unknown): boolean {
  return errorCode(error instanceof KittError ? error.cause : error) === "ECONNREFUSED";
}

function firstLine(text: string, length: number): string | undefined {
  return text
    .split("\n")
    .find((line) => line.trim())
    ?.trim()
    .slice(0, length);
}

/** Connect errors may be an AggregateError over IPv4 and IPv6 attempts: the first one speaks for them. */
function innermost(error: unknown): unknown {
  return error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
}

function errorCode(error: unknown): string | undefined {
  const code = (innermost(error) as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** One line for a failed connection: the error's message, with its code where the message lacks it. */
function networkReason(error: unknown): string {
  const inner = innermost(error);
  if (!(inner instanceof Error)) return String(inner);
  const code = errorCode(inner);
  const message = inner.message || inner.name;
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}
