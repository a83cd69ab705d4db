/** The lettered fallback: choices shown as "A. …" lines, then "Answer:"; the model answers with a letter. */
import { KittError } from "../../errors.js";
import type { LetteredItem } from "./types.js";

export const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const LETTERED_STOP = ["\n"];

export function letterLines(options: readonly string[]): string {
  if (options.length > LETTERS.length) throw new KittError("INTERNAL", `${options.length} choices are more than there are letters`);
  return options.map((option, i) => `${LETTERS[i]}. ${option}`).join("\n");
}

export function letteredItem(header: string, options: readonly string[], gold: number): LetteredItem {
  return {
    prompt: `${header}\n${letterLines(options)}\nAnswer:`,
    letters: [...LETTERS.slice(0, options.length)],
    gold,
    stop: LETTERED_STOP.slice(),
  };
}
