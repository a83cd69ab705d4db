import pc from "picocolors";
import { modelCatalog, type CatalogModel } from "../../engines/model-catalog.js";
import { textTable } from "../../report/text-table.js";
import { formatBytes } from "../../results/metric-format.js";
import type { MODELS_LIST_OPTIONS } from "../options/models.js";
import type { OptionsOf } from "../options/table.js";

function quantization(model: CatalogModel): string {
  return model.facts.quantization ?? model.facts.dtype ?? "";
}

/** `kitt models list`: the models in the model directory (and an Ollama's tags) with the engines that load each. */
export async function modelsListCommand(options: OptionsOf<typeof MODELS_LIST_OPTIONS>): Promise<void> {
  const catalog = await modelCatalog({ dir: options.dir, ollamaUrl: options.ollama });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
    return;
  }
  const usable = catalog.models.filter((model) => model.problem === undefined);
  const table = textTable({ head: ["path", "format", "size", "architecture", "quantization", "context", "engines"] });
  for (const model of usable) {
    table.push([
      model.path,
      model.format ?? "",
      model.sizeBytes === undefined ? "" : formatBytes(model.sizeBytes),
      model.facts.architecture ?? "",
      quantization(model),
      model.facts.contextLength ?? "",
      model.engines.join(", "),
    ]);
  }
  process.stdout.write(usable.length > 0 ? `${table.toString()}\n` : `no models in ${catalog.dir}\n`);
  const unusable = catalog.models.filter((model) => model.problem !== undefined);
  if (unusable.length > 0) {
    process.stdout.write(`\nnot usable:\n`);
    for (const model of unusable) process.stdout.write(`  ${model.path}: ${model.problem}\n`);
  }
  for (const note of catalog.notes) process.stderr.write(`${pc.yellow("kitt:")} ${note}\n`);
}
