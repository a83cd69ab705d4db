/** The quality benchmarks, for the registry. */
import { gsm8kBenchmark } from "./gsm8k.js";
import { hellaswagBenchmark } from "./hellaswag.js";
import { mmluBenchmark } from "./mmlu.js";
import { truthfulqaBenchmark } from "./truthfulqa.js";
import { truthfulqaGenBenchmark } from "./truthfulqa-gen.js";

export { gsm8kBenchmark, hellaswagBenchmark, mmluBenchmark, truthfulqaBenchmark, truthfulqaGenBenchmark };

export const QUALITY_BENCHMARKS = [mmluBenchmark, gsm8kBenchmark, truthfulqaBenchmark, truthfulqaGenBenchmark, hellaswagBenchmark] as const;
