/** Model folders for engines kitt only emulates here: a safetensors folder the format check accepts. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function safetensorsModel(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "kitt-emu-model-")), "tiny-model");
  mkdirSync(dir);
  writeFileSync(join(dir, "model.safetensors"), "");
  writeFileSync(join(dir, "config.json"), "{}");
  return dir;
}
