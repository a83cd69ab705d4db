/**
 * What an engine said when it refused an adapter, as one line: vLLM's error body
 * (`{"error": {"message", "type", "code"}}`, flat `{"message"}` before 0.10), SGLang's
 * `{"success": false, "error_message"}`, llama.cpp's `{"error": {"message"}}`, and FastAPI's
 * `{"detail": "Not Found"}` for a route the server does not have.
 */
import { isObject } from "../../json.js";
import { KittError } from "../../errors.js";

/** The engine's own message in an error body, or the body's first line when it has none. */
export function engineMessage(body: Buffer | string): string {
  const text = (typeof body === "string" ? body : body.toString("utf8")).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return firstLine(text) || "(empty body)";
  }
  if (!isObject(parsed)) return firstLine(text);
  const error = parsed.error;
  const said = isObject(error) ? error.message : (parsed.error_message ?? parsed.message ?? parsed.detail ?? error);
  return typeof said === "string" && said.trim() !== "" ? firstLine(said) : firstLine(text);
}

/** Whether a 404 or 405 means the route itself is missing (FastAPI's answer), not a refusal by a route that exists. */
export function isMissingRoute(status: number, body: Buffer | string): boolean {
  if (status !== 404 && status !== 405) return false;
  const text = (typeof body === "string" ? body : body.toString("utf8")).trim();
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) && (parsed.detail === "Not Found" || parsed.detail === "Method Not Allowed");
  } catch {
    return true;
  }
}

export function loraRefused(message: string): KittError {
  return new KittError("LORA_REFUSED", message);
}

function firstLine(text: string): string {
  return (text.split("\n").find((line) => line.trim()) ?? "").trim().slice(0, 300);
}
