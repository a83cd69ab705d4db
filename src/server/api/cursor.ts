/**
 * Page cursors: the position of a page's last run (keyset paging, so runs stored or deleted
 * between pages neither repeat nor skip one), opaque to clients as base64url JSON.
 */
import { KittError } from "../../errors.js";
import type { RunPosition } from "../../store/run-queries.js";

/** As run ids are: anything else (a NUL, which PostgreSQL refuses outright) was not handed out here. */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function encodeCursor(position: RunPosition): string {
  return Buffer.from(JSON.stringify({ t: position.started_at, i: position.id })).toString("base64url");
}

export function decodeCursor(cursor: string): RunPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { t?: unknown; i?: unknown };
    if (typeof value.t === "number" && Number.isSafeInteger(value.t) && typeof value.i === "string" && RUN_ID.test(value.i)) return { started_at: value.t, id: value.i };
  } catch {
    // Reported below, like any other cursor this server did not hand out.
  }
  throw new KittError("USAGE", "cursor: not a cursor this server returned");
}
