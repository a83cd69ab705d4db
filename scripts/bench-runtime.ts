/**
 * How much `kitt runtime` costs, part by part. The metrics part: `/metrics` of a 2,000-series
 * exposition through the runtime against fetching it from the engine directly, side by side in
 * one run (target: < 5 ms added at p99). Each part is a module in `scripts/lib/` returning a
 * report; `--part NAME` runs one.
 * Run: `npm run build && npx tsx scripts/bench-runtime.ts [--part metrics] [--requests N] [--series N]`.
 */
import { benchRuntimeMetrics } from "./lib/bench-runtime-metrics.js";
import type { BenchRuntimePartReport } from "./lib/bench-runtime-part.js";
import { scriptArgs } from "./lib/script-args.js";

const args = scriptArgs("npx tsx scripts/bench-runtime.ts [--part metrics] [--requests N] [--series N]", {
  part: { type: "string" },
  requests: { type: "string", default: "2000" },
  series: { type: "string", default: "2000" },
});
const requests = Number(args.requests);
const series = Number(args.series);
if (!Number.isInteger(requests) || requests < 100 || !Number.isInteger(series) || series < 1) {
  process.stderr.write("--requests: a whole number of at least 100; --series: at least 1\n");
  process.exit(2);
}

const PARTS: Record<string, () => Promise<BenchRuntimePartReport>> = {
  metrics: () => benchRuntimeMetrics({ requests, series }),
};
if (args.part !== undefined && !(args.part in PARTS)) {
  process.stderr.write(`--part: one of ${Object.keys(PARTS).join(", ")}\n`);
  process.exit(2);
}

let allMet = true;
for (const [name, run] of Object.entries(PARTS)) {
  if (args.part !== undefined && args.part !== name) continue;
  const report = await run();
  allMet &&= report.met;
  const [header, ...rows] = report.table;
  process.stdout.write(`\n${name}: ${report.title}\n\n| ${header!.join(" | ")} |\n|${header!.map(() => "---").join("|")}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(" | ")} |\n`);
  process.stdout.write(`\ntarget: ${report.target}\n`);
  for (const note of report.notes ?? []) process.stdout.write(`${note}\n`);
}
process.exit(allMet ? 0 : 1);
