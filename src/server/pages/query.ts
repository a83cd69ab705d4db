/**
 * A page's query string through the API's own zod schema. Forms send empty fields for filters
 * left blank; those count as not given. A bad value is shown on the page as one line, not thrown.
 */
import type { z } from "@hono/zod-openapi";
import type { PageContext } from "./page-env.js";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseQuery<T extends z.ZodType>(c: PageContext, schema: T, defaults: Record<string, string> = {}): Parsed<z.infer<T>> {
  const given = Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value.trim() !== ""));
  const result = schema.safeParse({ ...defaults, ...given });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: result.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`).join("; ") };
}
