/** Page cursors: opaque to clients (base64url JSON), so their content may change without breaking them. */
import { KittError } from "../../errors.js";

export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

export function decodeCursor(cursor: string): number {
  try {
    const value = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { o?: unknown }).o;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  } catch {
    // Reported below, like any other cursor this server did not hand out.
  }
  throw new KittError("USAGE", "cursor: not a cursor this server returned");
}
