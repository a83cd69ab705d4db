/**
 * `~/.kitt/engines.yaml`: per-user engine settings. Today: `image_overrides`, which win
 * over every other image choice.
 *
 * ```yaml
 * image_overrides:
 *   vllm: nvcr.io/nvidia/vllm:25.09-py3
 * ```
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { parseYamlFile } from "./yaml-file.js";
import { enginesConfigPath } from "./paths.js";

export const EnginesConfigSchema = z
  .object({
    image_overrides: z.record(z.string(), z.string().min(1)).default({}),
  })
  .strict();

export type EnginesConfig = z.infer<typeof EnginesConfigSchema>;

export async function loadEnginesConfig(path = enginesConfigPath()): Promise<EnginesConfig> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (text === undefined) return EnginesConfigSchema.parse({});
  return parseYamlFile(text, path, EnginesConfigSchema);
}
