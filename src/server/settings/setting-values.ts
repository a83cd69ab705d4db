/** What each `kitt web` setting may hold: the same zod schemas check a PUT body and a value read back from the database or the environment. */
import { isAbsolute } from "node:path";
import { z } from "@hono/zod-openapi";

// eslint's no-control-regex is about control characters written by mistake; these are the point.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Typed text: no control characters (settings/ sits below api/, so api's `text` is not used here). */
const text = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .refine((value) => !CONTROL_CHARACTER.test(value), "no control characters");

export const DirectoryValue = text(4096).refine((value) => isAbsolute(value), "must be an absolute path");

/** An http(s) base URL without credentials, query or fragment; kept without a trailing slash. */
export const ServiceUrlValue = text(2048)
  .refine(isServiceUrl, "must be an http:// or https:// URL without user name, password, query or fragment")
  .transform((value) => value.replace(/\/+$/, ""));

/** Printable ASCII without spaces, so it can only ever be one header value. */
export const SecretValue = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

function isServiceUrl(value: string): boolean {
  if (!URL.canParse(value) || value.includes("?") || value.includes("#")) return false;
  const url = new URL(value);
  return (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === "";
}
