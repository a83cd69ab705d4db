/**
 * Load shapes made of several runs.
 * - Sweep: a synchronous run (one request at a time), a max-throughput run (everything at
 *   once), then `count` request rates in between (`buildSweepRates`), like GuideLLM's sweep.
 * - SLO search: the highest request rate at which at least `attainment` of the completed
 *   requests meet every SLO, by bisection between the synchronous and max-throughput rates.
 */
import { KittError } from "../../errors.js";
import type { GoodputSlo } from "../metrics/serve-metrics.js";
import { buildSweepRates } from "./schedule.js";
import { runServe, type ServeRunOptions, type ServeRunResult } from "./serve-run.js";

export interface SweepStep {
  kind: "synchronous" | "throughput" | "rate" | "search";
  rate: number | "inf";
  run: ServeRunResult;
}

type StepListener = (step: SweepStep) => void;

/** Options for each run: the shared ones, plus what must be fresh per run (records file, metrics scraper). */
export interface RunFactory {
  base: ServeRunOptions;
  perRun?(): Partial<ServeRunOptions>;
  onStep?: StepListener;
}

function run(factory: RunFactory, overrides: Partial<ServeRunOptions>): Promise<ServeRunResult> {
  return runServe({ ...factory.base, ...factory.perRun?.(), ...overrides });
}

async function step(factory: RunFactory, kind: SweepStep["kind"], overrides: Partial<ServeRunOptions>): Promise<SweepStep> {
  const rate = overrides.requestRate ?? Number.POSITIVE_INFINITY;
  const done: SweepStep = { kind, rate: Number.isFinite(rate) ? rate : "inf", run: await run(factory, { rampUp: undefined, ...overrides }) };
  factory.onStep?.(done);
  return done;
}

async function synchronousAndMax(factory: RunFactory): Promise<[SweepStep, SweepStep]> {
  const unpaced = { requestRate: Number.POSITIVE_INFINITY };
  const synchronous = await step(factory, "synchronous", { ...unpaced, maxConcurrency: 1 });
  const throughput = await step(factory, "throughput", { ...unpaced, warmup: [] });
  return [synchronous, throughput];
}

function achievedRate(step: SweepStep): number {
  const rate = step.run.metrics.request_throughput;
  if (rate === null || rate <= 0) {
    throw new KittError("BENCHMARK_FAILED", `the ${step.kind} run completed no requests, so there is no rate to sweep from`);
  }
  return rate;
}

export async function runSweep(factory: RunFactory, count: number): Promise<SweepStep[]> {
  const [synchronous, throughput] = await synchronousAndMax(factory);
  const steps = [synchronous, throughput];
  for (const rate of buildSweepRates(achievedRate(synchronous), achievedRate(throughput), count)) {
    steps.push(await step(factory, "rate", { requestRate: rate, warmup: [] }));
  }
  return steps;
}

export interface SloSearchResult {
  /** Highest rate found that met the SLO, or null when even the synchronous run missed it. */
  best_rate: number | null;
  attainment_target: number;
  steps: SweepStep[];
}

/** Share of completed requests that met every SLO. */
export function sloAttainment(run: ServeRunResult): number {
  const { request_goodput: goodput, request_throughput: throughput } = run.metrics;
  if (goodput === null || throughput === null || throughput === 0) return 0;
  return goodput / throughput;
}

export async function searchSloRate(
  factory: RunFactory & { base: { slo: GoodputSlo } },
  settings: { attainment: number; iterations: number },
): Promise<SloSearchResult> {
  const [synchronous, throughput] = await synchronousAndMax(factory);
  const steps = [synchronous, throughput];
  const result = (best: number | null): SloSearchResult => ({ best_rate: best, attainment_target: settings.attainment, steps });
  if (sloAttainment(synchronous.run) < settings.attainment) return result(null);
  let low = achievedRate(synchronous);
  let high = achievedRate(throughput);
  if (sloAttainment(throughput.run) >= settings.attainment) return result(high);
  for (let i = 0; i < settings.iterations; i++) {
    const rate = (low + high) / 2;
    const probe = await step(factory, "search", { requestRate: rate, warmup: [] });
    steps.push(probe);
    if (sloAttainment(probe.run) >= settings.attainment) low = rate;
    else high = rate;
  }
  return result(low);
}
