/**
 * How much `kitt runtime` costs, part by part. The metrics part: `/metrics` of a 2,000-series
 * exposition through the runtime against fetching it from the engine directly, side by side in
 * one run (target: < 5 ms added at p99). The s3 part: `kitt models download` of a 1 GiB
 * multipart object from the local S3 server against `curl` fetching it by a presigned URL, in the
 * same run (target: ≥ 0.8× curl's rate). Each part is a module in `scripts/lib/` returning a
 * report; `--part NAME` runs one.
 * Run: `npm run build && npx tsx scripts/bench-runtime.ts [--part metrics|s3] [--requests N] [--series N] [--mib N] [--rounds N]`.
 */
import { benchRuntimeMetrics } from "./lib/bench-runtime-metrics.js";
import { benchS3DownloadPart } from "./lib/bench-s3-download.js";
import type { BenchRuntimePartReport } from "./lib/bench-runtime-part.js";
import { scriptArgs } from "./lib/script-args.js";

const args = scriptArgs("npx tsx scripts/bench-runtime.ts [--part metrics|s3] [--requests N] [--series N] [--mib N] [--rounds N]", {
  part: { type: "string" },
  requests: { type: "string", default: "2000" },
  series: { type: "string", default: "2000" },
  mib: { type: "string", default: "1024" },
  rounds: { type: "string", default: "3" },
});
const requests = Number(args.requests);
const series = Number(args.series);
const mib = Number(args.mib);
const rounds = Number(args.rounds);
if (!Number.isInteger(requests) || requests < 100 || !Number.isInteger(series) || series < 1 || !Number.isInteger(mib) || mib < 1 || !Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write("--requests: a whole number of at least 100; --series, --mib, --rounds: at least 1\n");
  process.exit(2);
}

const PARTS: Record<string, () => Promise<BenchRuntimePartReport>> = {
  metrics: () => benchRuntimeMetrics({ requests, series }),
  s3: () => benchS3DownloadPart({ mib, rounds }),
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
