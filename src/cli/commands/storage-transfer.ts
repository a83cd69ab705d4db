/** `kitt storage export ID` and `kitt storage import PATH`: results folders in and out. */
import { resolve } from "node:path";
import { openStore } from "../../store/results-store.js";
import { success } from "../ui.js";
import type { DB_OPTION, STORAGE_EXPORT_OPTIONS } from "../options/storage.js";
import type { OptionsInput } from "../options/table.js";

/** Writes the run's files (exactly as stored) to `--output DIR`, by default `./kitt-run-<id>`. */
export async function storageExportCommand(id: string, options: OptionsInput<typeof STORAGE_EXPORT_OPTIONS> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const fullId = await store.resolveId(id);
  const dir = resolve(options.output ?? `kitt-run-${fullId.slice(0, 8)}`);
  const files = await store.exportRunToFolder(fullId, dir);
  success(`exported ${files.join(", ")} to ${dir}`);
}

/** Imports a results folder, a vLLM result file, or every one found under a folder; runs already stored are not stored twice. */
export async function storageImportCommand(path: string, options: OptionsInput<typeof DB_OPTION> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const imported = await store.importPath(path);
  for (const run of imported) process.stdout.write(`${run.id}  ${run.source}${run.outcome === "imported" ? "" : `  (${run.outcome})`}\n`);
  const count = (n: number) => `${n} run${n === 1 ? "" : "s"}`;
  const others = (["already stored", "updated", "still running"] as const)
    .map((outcome) => [outcome, imported.filter((run) => run.outcome === outcome).length] as const)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`);
  const fresh = imported.filter((run) => run.outcome === "imported").length;
  success(`imported ${count(fresh)} into ${store.description}${others.length > 0 ? ` (${others.join(", ")})` : ""}`);
}
