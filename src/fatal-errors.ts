/**
 * Which failures end a whole suite rather than one test: the user stopped the run, or the
 * engine is gone. Anything else fails the test it happened in and the suite goes on.
 */
import { InterruptedError, isKittError } from "./errors.js";

export function isFatal(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  if (error instanceof InterruptedError) return true;
  return isKittError(error) && error.code === "ENGINE_DIED";
}
