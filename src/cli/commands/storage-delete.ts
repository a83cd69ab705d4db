/** `kitt storage delete ID --yes`: removes one run and everything stored with it. */
import { KittError } from "../../errors.js";
import { openStore } from "../../store/results-store.js";
import { success } from "../ui.js";
import type { STORAGE_DELETE_OPTIONS } from "../options/storage.js";
import type { OptionsInput } from "../options/table.js";

export async function storageDeleteCommand(id: string, options: OptionsInput<typeof STORAGE_DELETE_OPTIONS> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const fullId = await store.resolveId(id);
  if (!options.yes) throw new KittError("USAGE", `deleting run ${fullId} cannot be undone: add --yes`);
  await store.deleteRun(fullId);
  success(`deleted run ${fullId}`);
}
