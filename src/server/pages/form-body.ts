/** A posted form's fields as pages read them: text trimmed (empty counts as not given), repeated fields as lists. */
import type { PageContext } from "./page-env.js";

export interface FormBody {
  /** The field's text, trimmed; undefined when absent or empty. */
  text(name: string): string | undefined;
  /** Every non-empty value of a repeated field (checkboxes). */
  list(name: string): string[];
  has(name: string): boolean;
}

export async function formBody(c: PageContext): Promise<FormBody> {
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const values = (name: string): string[] => {
    const value = body[name];
    return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string").map((item) => item.trim());
  };
  return {
    text: (name) => values(name).find((value) => value !== ""),
    list: (name) => values(name).filter((value) => value !== ""),
    has: (name) => body[name] !== undefined,
  };
}

/** A whole number as a number; anything else stays text, so the schema says what is wrong with it. */
export function numberField(value: string | undefined): number | string | undefined {
  return value !== undefined && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
}

/** zod issues as one line each, with the field they are about. */
export function issueLines(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string[] {
  return issues.map((issue) => `${issue.path.map(String).join(".") || "form"}: ${issue.message}`);
}
