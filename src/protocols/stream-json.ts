import { KittError } from "../errors.js";
import { asRecord, stringField, type JsonRecord } from "./json-fields.js";

/**
 * Parses one streamed JSON message and fails on the error objects engines send after the
 * status line is already 200: vLLM/llama.cpp `{"error":{"message":…}}`, TGI and Ollama `{"error":"…"}`.
 */
export function parseStreamJson(text: string): JsonRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KittError("ENGINE_REQUEST_FAILED", `engine streamed invalid JSON: ${text.slice(0, 120)}`, { cause: error });
  }
  const record = asRecord(parsed);
  if (!record) throw new KittError("ENGINE_REQUEST_FAILED", `engine streamed a non-object: ${text.slice(0, 120)}`);
  const error = record.error;
  if (error !== undefined && error !== null) {
    const message = typeof error === "string" ? error : (stringField(asRecord(error), "message") ?? JSON.stringify(error));
    throw new KittError("ENGINE_REQUEST_FAILED", `engine reported an error mid-stream: ${message}`);
  }
  return record;
}
