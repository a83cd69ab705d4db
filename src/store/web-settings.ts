/**
 * `kitt web`'s saved settings: one row per key, the value as JSON text. Which keys exist and
 * what they mean is the server's business; the store only keeps them.
 */
import type { JsonValue } from "../json.js";
import type { ResultsStore } from "./results-store.js";
import { writeTransaction } from "./write-transaction.js";

/** Every saved setting, parsed; a row whose text is not JSON is left out (the environment then applies). */
export async function readWebSettings(store: ResultsStore): Promise<Map<string, unknown>> {
  const rows = await store.db.selectFrom("web_settings").select(["key", "value"]).execute();
  const settings = new Map<string, unknown>();
  for (const row of rows) {
    try {
      settings.set(row.key, JSON.parse(row.value));
    } catch {
      // Not JSON: treated as never saved.
    }
  }
  return settings;
}

/** Saves each value, and removes each key given `null` (so it is unset again), in one transaction. */
export async function saveWebSettings(store: ResultsStore, changes: ReadonlyMap<string, JsonValue>): Promise<void> {
  const updatedAt = Date.now();
  await writeTransaction(store.db, store.dialect, async (tx) => {
    for (const [key, value] of changes) {
      if (value === null) {
        await tx.deleteFrom("web_settings").where("key", "=", key).execute();
        continue;
      }
      const text = JSON.stringify(value);
      await tx
        .insertInto("web_settings")
        .values({ key, value: text, updated_at: updatedAt })
        .onConflict((conflict) => conflict.column("key").doUpdateSet({ value: text, updated_at: updatedAt }))
        .execute();
    }
  });
}
