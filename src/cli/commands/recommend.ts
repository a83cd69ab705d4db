import pc from "picocolors";
import { recommendStoredRuns } from "../../report/recommend-stored.js";
import { openStore } from "../../store/results-store.js";
import { textTable } from "../../report/text-table.js";
import type { RECOMMEND_OPTIONS } from "../options/results.js";
import type { OptionsOf } from "../options/table.js";

/** `kitt recommend`: stored runs within the limits, with the Pareto front marked. */
export async function recommendCommand(options: OptionsOf<typeof RECOMMEND_OPTIONS>): Promise<void> {
  await using store = await openStore({ url: options.db });
  const ranked = await recommendStoredRuns(store, {
    model: options.model,
    engine: options.engine,
    limit: options.limit,
    maxVramGb: options.maxVram,
    minThroughput: options.minThroughput,
    minAccuracy: options.minAccuracy,
    maxLatencyMs: options.maxLatency,
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(ranked, null, 2)}\n`);
    return;
  }
  const fmt = (value: number | null, digits = 1) => (value === null ? "—" : value.toFixed(digits));
  const table = textTable({ head: ["", "run", "model", "engine", "output tok/s", "median TTFT ms", "accuracy", "peak GPU GB"] });
  for (const c of ranked) {
    table.push([c.pareto ? pc.green("★") : "", c.id.slice(0, 8), c.model, c.engine, fmt(c.throughput), fmt(c.latencyMs), fmt(c.accuracy, 3), fmt(c.vramGb)]);
  }
  process.stdout.write(`${table.toString()}\n`);
  process.stdout.write(`${ranked.length} run(s) within the limits; ★ = on the Pareto front (nothing else is at least as good on every column and better on one)\n`);
}
