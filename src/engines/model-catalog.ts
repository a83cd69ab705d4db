/**
 * The model catalog: what is in the model directory (`KITT_MODEL_DIR`, default
 * `~/.kitt/models`) and, when an Ollama URL is given, what that Ollama holds, each with the
 * engines that can load it by the preflight's format rules. A model browser or a "pick a
 * model" form is a thin layer over this; names come through as they are on disk (escaping
 * them is the page's job).
 */
import { modelsDir } from "../config/paths.js";
import { describeError } from "../errors.js";
import { DEFAULT_SCAN_LIMITS, scanModelDir, type ScanLimits, type ScannedModel } from "../models/model-scan.js";
import { enginesFor } from "./format-support.js";
import { ollamaTags } from "./ollama-tags.js";
import type { EngineName } from "./types.js";

export interface CatalogModel extends ScannedModel {
  /** `file`: in the model directory, `path` relative to it; `ollama`: a tag the Ollama server holds, `path` the tag. */
  source: "file" | "ollama";
  /** Engines whose formats include this model's; none for a model with a problem. */
  engines: EngineName[];
}

export interface ModelCatalog {
  /** The model directory's real path. */
  dir: string;
  models: CatalogModel[];
  /** What could not be listed: limits reached, an Ollama that did not answer. */
  notes: string[];
}

export interface CatalogOptions {
  /** Default `KITT_MODEL_DIR`, then `$KITT_HOME/models`. */
  dir?: string;
  /** An Ollama server whose tags to list too. */
  ollamaUrl?: string;
  ollamaTimeoutMs?: number;
  limits?: ScanLimits;
  env?: NodeJS.ProcessEnv;
}

/** A missing model directory is MODEL_NOT_FOUND; an Ollama that does not answer is a note, not a failure. */
export async function modelCatalog(options: CatalogOptions = {}): Promise<ModelCatalog> {
  const dir = options.dir ?? modelsDir(options.env);
  const [scan, ollama] = await Promise.all([scanModelDir(dir, options.limits ?? DEFAULT_SCAN_LIMITS), ollamaModels(options)]);
  const files = scan.models.map((model): CatalogModel => ({ ...model, source: "file", engines: model.format ? enginesFor(model.format) : [] }));
  return { dir: scan.dir, models: [...files, ...ollama.models], notes: [...scan.notes, ...ollama.notes] };
}

async function ollamaModels(options: CatalogOptions): Promise<{ models: CatalogModel[]; notes: string[] }> {
  if (options.ollamaUrl === undefined) return { models: [], notes: [] };
  try {
    const tags = await ollamaTags(options.ollamaUrl, options.ollamaTimeoutMs);
    const engines = enginesFor("ollama-tag");
    return { models: tags.map((tag) => ({ path: tag.name, source: "ollama", format: "ollama-tag", sizeBytes: tag.sizeBytes, facts: tag.facts, engines })), notes: [] };
  } catch (error) {
    return { models: [], notes: [`Ollama tags not listed: ${describeError(error)}`] };
  }
}
