/** `kitt storage export ID` and `kitt storage import PATH`: results folders in and out. */
import { resolve } from "node:path";
import { openStore } from "../../store/results-store.js";
import { success } from "../ui.js";
import type { StorageDbOption } from "./storage-admin.js";

/** Writes the run's files (exactly as stored) to `--output DIR`, by default `./kitt-run-<id>`. */
export async function storageExportCommand(id: string, options: StorageDbOption & { output?: string } = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const fullId = await store.resolveId(id);
  const dir = resolve(options.output ?? `kitt-run-${fullId.slice(0, 8)}`);
  const files = await store.exportRunToFolder(fullId, dir);
  success(`exported ${files.join(", ")} to ${dir}`);
}

/** Imports a results folder, a vLLM result file, or every one found under a folder. */
export async function storageImportCommand(path: string, options: StorageDbOption = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const imported = await store.importPath(path);
  for (const run of imported) process.stdout.write(`${run.id}  ${run.source}\n`);
  success(`imported ${imported.length} run${imported.length === 1 ? "" : "s"} into ${store.description}`);
}
