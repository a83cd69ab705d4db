/**
 * Speed of kitt's quality runner: all 14,042 MMLU test questions, 5-shot, against the vLLM
 * emulator answering each request after 1 ms (started as its own process through kitt's native
 * runtime, so the emulator does not share kitt's event loop). Target: under 60 s.
 *
 * Both ways MMLU is scored on a vLLM-like engine are timed, one after the other:
 * - `loglikelihood`: the harness's own method: five tokenize requests per question (the context
 *   and each whole string), then the four answer letters' prompts as token ids in one batched
 *   echoed-prompt request;
 * - `top_k_letters`: one request reading the letters from the first token's top-k, after a
 *   tokenize request only for a prompt that might not fit the context (2,711 of the 14,042 here).
 * Each run writes its checkpoint and compressed per-item outputs as a real run does. Beside the
 * time, the CPU seconds of kitt's process and of the emulator's (Linux: from /proc) show who kept
 * the machine busy: on a small machine the two share its cores.
 *
 * On the 2-core development machine, quiet: `loglikelihood` 44.4 s (kitt 29.7 s CPU, emulator
 * 42.4 s), `top_k_letters` 6.3 s (4.9 s, 5.7 s); over five runs 38.5–62.4 s and 5.6–9.1 s, the
 * slowest while other virtual machines took 2–8 % of its CPU time (steal in /proc/stat). Parsing
 * vLLM's whole answer and counting every top-k prompt, as kitt did before, took 81.0–102.1 s and
 * 10.3–13.9 s there.
 *
 * Usage: `npx tsx scripts/bench-quality.ts [--limit N] [--method loglikelihood|top_k_letters] [--concurrency N]`
 * with `KITT_DATASETS_DIR` holding `mmlu/` (the offline mirror layout). `--limit` takes N
 * questions per subject (a quicker look; the target applies to the full set only). Exits 1 when
 * a full run misses the target, 2 on a crash.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { textTable } from "../src/report/text-table.js";
import pc from "picocolors";
import { prepareEngine } from "../src/engines/launch.js";
import { DATASETS_DIR_ENV } from "../src/quality/data/resolve.js";
import { safetensorsModel } from "../test/support/models.js";
import { freePort } from "../test/emulators/index.mjs";
import { qualityBenchmark } from "../src/bench/quality/quality-benchmark.js";
import { mmluSpec } from "../src/quality/tasks/mmlu/spec.js";
import { processCpuSeconds } from "./lib/process-cpu.js";
import { scriptArgs } from "./lib/script-args.js";

const mmluBenchmark = qualityBenchmark(mmluSpec);

const TARGET_SECONDS = 60;
const FULL_MMLU = 14_042;
const METHODS = ["loglikelihood", "top_k_letters"] as const;
type Method = (typeof METHODS)[number];

const USAGE = "npx tsx scripts/bench-quality.ts [--limit N] [--method loglikelihood|top_k_letters] [--concurrency N]";
const args = scriptArgs(USAGE, { limit: { type: "string" }, method: { type: "string" }, concurrency: { type: "string" } });

function usageError(message: string): never {
  process.stderr.write(`${message}\nusage: ${USAGE}\n`);
  process.exit(2);
}

const limitArg = args.limit;
const limit = limitArg === undefined ? undefined : Number(limitArg);
const methodArg = args.method;
const concurrencyArg = args.concurrency;
const concurrency = concurrencyArg === undefined ? undefined : Number(concurrencyArg);
if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) usageError("--limit takes a positive whole number");
if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) usageError("--concurrency takes a positive whole number");
if (methodArg !== undefined && !METHODS.includes(methodArg as Method)) usageError(`--method takes one of ${METHODS.join(", ")}`);
const methods: readonly Method[] = methodArg === undefined ? METHODS : [methodArg as Method];

interface Timing {
  method: Method;
  items: number;
  seconds: number;
  acc: number;
  /** CPU seconds (user + system) of kitt's process and of the emulator's; null where unknown. */
  kittCpu: number;
  emulatorCpu: number | null;
}

/** The emulator's pid, from the record kitt's native runtime keeps in `$KITT_HOME/run/`. */
function emulatorPid(): number | undefined {
  const dir = join(process.env.KITT_HOME ?? "", "run");
  const records = readdirSync(dir).filter((name) => name.endsWith(".json"));
  return records.length === 1 ? (JSON.parse(readFileSync(join(dir, records[0]!), "utf8")) as { pid: number }).pid : undefined;
}

const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

async function timeMethod(method: Method): Promise<Timing> {
  const emulator = fileURLToPath(new URL("../test/emulators/bin/vllm.mjs", import.meta.url));
  process.env.KITT_EMULATOR_TOKEN_DELAY_MS = "1";
  const { engine } = await prepareEngine({ engine: "vllm", runtime: "native", binary: emulator, model: safetensorsModel(), port: await freePort() });
  await using started = engine;
  await started.start();
  const config = mmluBenchmark.configSchema.parse({ method, limit, concurrency });
  const pid = emulatorPid();
  const emulatorBefore = processCpuSeconds(pid);
  const kittBefore = process.cpuUsage();
  const begin = performance.now();
  let lastShown = 0;
  const outcome = await mmluBenchmark.run({
    engine: started,
    config,
    signal: new AbortController().signal,
    warmup: false,
    onProgress: (event) => {
      const now = performance.now();
      if (now - lastShown < 2_000 && event.completed !== event.total) return;
      lastShown = now;
      process.stderr.write(`  ${method}: ${event.completed}/${event.total} questions, ${((now - begin) / 1000).toFixed(1)} s\n`);
    },
  });
  const seconds = (performance.now() - begin) / 1000;
  const kittCpu = cpuSeconds(process.cpuUsage(kittBefore));
  const emulatorAfter = processCpuSeconds(pid);
  const emulatorCpu = emulatorBefore === null || emulatorAfter === null ? null : emulatorAfter - emulatorBefore;
  if (!outcome.passed) throw new Error(`${method}: the run failed: ${outcome.errors.slice(0, 3).join("; ")}`);
  return { method, items: outcome.metrics.n as number, seconds, acc: outcome.metrics.acc as number, kittCpu, emulatorCpu };
}

async function main(): Promise<number> {
  if (process.env[DATASETS_DIR_ENV] === undefined) throw new Error(`set ${DATASETS_DIR_ENV} to a folder holding mmlu/`);
  const home = mkdtempSync(join(tmpdir(), "kitt-bench-quality-"));
  process.env.KITT_HOME = home;
  try {
    const timings: Timing[] = [];
    for (const method of methods) timings.push(await timeMethod(method));
    const table = textTable({ head: ["method", "questions", "time (s)", "questions/s", "kitt CPU (s)", "emulator CPU (s)", "target", "result"] });
    let missed = false;
    for (const timing of timings) {
      const judged = timing.items === FULL_MMLU;
      const pass = timing.seconds < TARGET_SECONDS;
      if (judged && !pass) missed = true;
      table.push([
        timing.method,
        String(timing.items),
        timing.seconds.toFixed(1),
        (timing.items / timing.seconds).toFixed(0),
        timing.kittCpu.toFixed(1),
        timing.emulatorCpu === null ? "—" : timing.emulatorCpu.toFixed(1),
        judged ? `< ${TARGET_SECONDS} s` : "(full set only)",
        judged ? (pass ? pc.green("pass") : pc.red("MISS")) : "—",
      ]);
    }
    process.stdout.write(`MMLU 5-shot against the vLLM emulator (1 ms per request), ${availableParallelism()} cores\n${table.toString()}\n`);
    return missed ? 1 : 0;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench-quality: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
