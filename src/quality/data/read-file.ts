import { readFileSync } from "node:fs";
import { KittError } from "../../errors.js";

export function readDataFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new KittError("NOT_FOUND", `cannot read data file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
