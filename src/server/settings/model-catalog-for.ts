/** The model browser over the model catalog, in the model directory the settings name. */
import { modelCatalog, type CatalogModel, type ModelCatalog } from "../../engines/model-catalog.js";
import { KittError } from "../../errors.js";
import { resolveModelReference } from "../../models/model-paths.js";
import type { EffectiveSettings } from "./effective-settings.js";

/** The catalog of the settings' model directory, with the tags of `ollamaUrl` (default: the settings' Ollama) when one is named. */
export function modelCatalogFor(settings: EffectiveSettings, ollamaUrl?: string): Promise<ModelCatalog> {
  return modelCatalog({ dir: settings.modelDir.value, ollamaUrl: ollamaUrl ?? settings.ollamaUrl.value });
}

/**
 * One model of the directory by its catalog path. The path is checked before anything is read:
 * `..`, an absolute path or a symlink leading out is USAGE; one the catalog does not list is NOT_FOUND.
 */
export async function catalogModelFor(settings: EffectiveSettings, path: string): Promise<{ dir: string; model: CatalogModel }> {
  await resolveModelReference(settings.modelDir.value, path);
  const catalog = await modelCatalog({ dir: settings.modelDir.value });
  const model = catalog.models.find((entry) => entry.source === "file" && entry.path === path);
  if (model === undefined) throw new KittError("NOT_FOUND", `'${path}' is not a model the catalog lists in ${catalog.dir}`);
  return { dir: catalog.dir, model };
}
