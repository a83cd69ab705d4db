/** The quality benchmarks, for the registry: one per task in `src/quality/tasks/registry.ts`. */
import { QUALITY_TASKS } from "../../quality/tasks/registry.js";
import { qualityBenchmark } from "./quality-benchmark.js";

export const QUALITY_BENCHMARKS = QUALITY_TASKS.map((task) => qualityBenchmark(task));
