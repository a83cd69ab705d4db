import { KittError } from "../../errors.js";

/** One JSON value per non-blank line; a bad line is reported with its number. */
export function parseJsonl(text: string, source: string): unknown[] {
  const values: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      throw new KittError("CONFIG_INVALID", `${source} line ${i + 1} is not valid JSON`, { cause: error });
    }
  }
  return values;
}
