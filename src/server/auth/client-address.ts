import type { HttpBindings } from "@hono/node-server";

/** The peer's address as the socket sees it (never a forwarded header a client could forge). */
export function clientAddress(c: { env: Partial<HttpBindings> | undefined }): string {
  return c.env?.incoming?.socket?.remoteAddress ?? "unknown";
}
