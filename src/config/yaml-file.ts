/**
 * Parses YAML and validates it with a zod schema; any problem becomes a one-line
 * `CONFIG_INVALID` error pointing at `file:line:column`.
 */
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { KittError } from "../errors.js";

export function parseYamlFile<T extends z.ZodType>(text: string, file: string, schema: T): z.infer<T> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw new KittError("CONFIG_INVALID", `${file}:${pos.line}:${pos.col} ${yamlError.message.split("\n")[0]}`);
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  const where = offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}:${lineCounter.linePos(offset).col}`;
  const key = path.length > 0 ? `${path.join(".")}: ` : "";
  throw new KittError("CONFIG_INVALID", `${where} ${key}${issue?.message ?? "invalid"}`);
}
