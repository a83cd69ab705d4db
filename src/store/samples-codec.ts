/** Per-request samples are kept gzip'd: one blob per benchmark instead of a row per request. */
import { gunzipSync, gzipSync } from "node:zlib";

export function packText(text: string): Buffer {
  return gzipSync(Buffer.from(text, "utf8"), { level: 6 });
}

export function unpackText(data: Uint8Array): string {
  return gunzipSync(data).toString("utf8");
}
