/** `kitt storage init | migrate | stats`: create, upgrade and describe the results database. */
import { openStore } from "../../store/results-store.js";
import type { DB_JSON_OPTIONS, DB_OPTION } from "../options/storage.js";
import type { OptionsInput } from "../options/table.js";
import { success } from "../ui.js";

/** `kitt storage init`: creates the database (or confirms it is usable, every page read) at the latest schema. */
export async function storageInitCommand(options: OptionsInput<typeof DB_OPTION> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  await store.checkIntegrity();
  success(`database ready: ${store.description} (schema v${await store.checkSchema()})`);
}

/** `kitt storage migrate`: reads every page (a damaged file is never called up to date), applies pending migrations and says which. */
export async function storageMigrateCommand(options: OptionsInput<typeof DB_OPTION> = {}): Promise<void> {
  await using store = await openStore({ url: options.db, migrate: false });
  await store.checkIntegrity();
  const outcome = await store.migrate();
  success(
    outcome.applied.length === 0
      ? `${store.description} is up to date (schema v${outcome.to})`
      : `${store.description}: schema v${outcome.from} → v${outcome.to} (${outcome.applied.join(", ")})`,
  );
}

/** `kitt storage stats`: counts of runs, tests and metrics. */
export async function storageStatsCommand(options: OptionsInput<typeof DB_JSON_OPTIONS> = {}): Promise<void> {
  await using store = await openStore({ url: options.db });
  const stats = await store.stats();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    return;
  }
  const day = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString().slice(0, 10));
  const lines = [
    `database      ${store.description}`,
    `runs          ${stats.runs} (${Object.entries(stats.by_status).map(([status, n]) => `${n} ${status}`).join(", ") || "none"})`,
    `engines       ${Object.entries(stats.by_engine).map(([engine, n]) => `${engine} ${n}`).join(", ") || "-"}`,
    `tests         ${stats.benchmarks}`,
    `metrics       ${stats.metrics}`,
    `samples       ${(stats.request_sample_bytes / 1_048_576).toFixed(1)} MiB compressed`,
    `machines      ${stats.hardware}`,
    `period        ${day(stats.first_started_at)} – ${day(stats.last_started_at)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
