/**
 * Samples the engine's CPU and memory every `intervalMs` (default 1 s, the engine `/metrics`
 * scraper's cadence) while a run goes on: what the report charts when there is no GPU to watch.
 * Native engines are read from /proc (the process and everything it forked), containers with
 * `docker stats`; stopping takes one closing reading. At most `maxSamples` are kept: past that, every other sample is dropped and
 * the spacing doubles, so a long run keeps its whole span at a coarser grain.
 *
 *   await using sampler = new ProcessSampler({ target: { kind: "pid", pid } });
 *   sampler.start();
 *   …
 *   const usage = await sampler.stop();
 */
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { describeError } from "../errors.js";
import { readContainer, readProcessTree, type UsageReading } from "./process-usage.js";

export type ProcessTarget = { kind: "pid"; pid: number } | { kind: "container"; name: string };

export interface ProcessSample {
  /** Milliseconds since sampling started. */
  t: number;
  /** CPU use since the previous sample, 100 = one core; null for the first /proc sample. */
  cpu_percent: number | null;
  /** CPU seconds used so far (native engines only). */
  cpu_s?: number;
  rss_mb: number;
  processes: number;
}

export type ProcessUsageReport =
  | {
      available: true;
      source: "procfs" | "docker stats";
      /** The target, e.g. `pid 1234` or `container kitt-llama_cpp-…`. */
      target: string;
      interval_ms: number;
      peak_rss_mb: number;
      mean_cpu_percent: number | null;
      samples: ProcessSample[];
      errors: number;
      last_error?: string;
    }
  | { available: false; reason: string };

export interface ProcessSamplerOptions {
  target: ProcessTarget;
  intervalMs?: number;
  maxSamples?: number;
}

const BYTES_PER_MB = 1e6;

export class ProcessSampler implements AsyncDisposable {
  readonly #target: ProcessTarget;
  readonly #intervalMs: number;
  readonly #maxSamples: number;
  #samples: ProcessSample[] = [];
  #stride = 1;
  #ticks = 0;
  #origin = 0;
  #previous: { t: number; cpuSeconds: number } | undefined;
  #clockTicks: Promise<number> | undefined;
  #errors = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #lastAt: number | undefined;
  #started = false;
  #stopping: Promise<ProcessUsageReport> | undefined;

  constructor(options: ProcessSamplerOptions) {
    this.#target = options.target;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#maxSamples = Math.max(2, options.maxSamples ?? 3_600);
  }

  /** Takes the first sample now and one every interval after. Safe to call twice. */
  start(): void {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    this.#origin = performance.now();
    if (this.#target.kind === "pid") this.#clockTicks = clockTicksPerSecond();
    this.#inFlight = this.#tick();
  }

  /** What was sampled so far, without stopping. */
  report(): ProcessUsageReport {
    if (this.#samples.length === 0) {
      const reason = this.#started ? (this.#lastError ?? "no sample was taken") : "the process sampler was never started";
      return { available: false, reason: `not sampled: ${reason}` };
    }
    const cpu = this.#samples.flatMap((s) => (s.cpu_percent === null ? [] : [s.cpu_percent]));
    return {
      available: true,
      source: this.#target.kind === "pid" ? "procfs" : "docker stats",
      target: this.#target.kind === "pid" ? `pid ${this.#target.pid}` : `container ${this.#target.name}`,
      interval_ms: this.#intervalMs * this.#stride,
      peak_rss_mb: Math.max(...this.#samples.map((s) => s.rss_mb)),
      mean_cpu_percent: cpu.length === 0 ? null : round(cpu.reduce((a, b) => a + b, 0) / cpu.length),
      samples: [...this.#samples],
      errors: this.#errors,
      ...(this.#lastError === undefined ? {} : { last_error: this.#lastError }),
    };
  }

  /** Stops sampling and reports. Safe to call twice. */
  stop(): Promise<ProcessUsageReport> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#timer);
      await this.#inFlight;
      clearTimeout(this.#timer);
      // A closing reading, so the samples reach the end of the run however short it was.
      if (this.#started && this.#lastAt !== undefined && performance.now() - this.#lastAt > Math.min(this.#intervalMs / 2, 100)) await this.#sample();
      return this.report();
    })();
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #tick(): Promise<void> {
    const began = performance.now();
    await this.#sample();
    if (this.#stopping) return;
    this.#timer = setTimeout(() => {
      this.#inFlight = this.#tick();
    }, Math.max(0, this.#intervalMs - (performance.now() - began)));
    this.#timer.unref();
  }

  async #sample(): Promise<void> {
    const began = performance.now();
    this.#lastAt = began;
    try {
      const reading = await this.#read();
      if (reading) this.#record(began - this.#origin, reading);
      else this.#fail(`${this.#describeTarget()} is gone`);
    } catch (error) {
      this.#fail(describeError(error));
    }
  }

  async #read(): Promise<UsageReading | undefined> {
    if (this.#target.kind === "container") return readContainer(this.#target.name);
    return readProcessTree(this.#target.pid, await this.#clockTicks!);
  }

  #record(t: number, reading: UsageReading): void {
    let cpuPercent = reading.cpuPercent ?? null;
    if (reading.cpuSeconds !== undefined) {
      const previous = this.#previous;
      cpuPercent = previous && t > previous.t ? round(((reading.cpuSeconds - previous.cpuSeconds) / ((t - previous.t) / 1000)) * 100) : null;
      this.#previous = { t, cpuSeconds: reading.cpuSeconds };
    }
    this.#ticks += 1;
    // Only every stride-th reading is kept once the samples were thinned.
    if ((this.#ticks - 1) % this.#stride !== 0) return;
    this.#samples.push({
      t: Math.round(t),
      cpu_percent: cpuPercent,
      ...(reading.cpuSeconds === undefined ? {} : { cpu_s: round(reading.cpuSeconds) }),
      rss_mb: round(reading.rssBytes / BYTES_PER_MB),
      processes: reading.processes,
    });
    if (this.#samples.length > this.#maxSamples) {
      this.#samples = this.#samples.filter((_, i) => i % 2 === 0);
      this.#stride *= 2;
    }
  }

  #fail(error: string): void {
    this.#errors += 1;
    this.#lastError = error;
  }

  #describeTarget(): string {
    return this.#target.kind === "pid" ? `process ${this.#target.pid}` : `container ${this.#target.name}`;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The kernel's clock ticks per second for /proc CPU times (100 on every common Linux build). */
async function clockTicksPerSecond(): Promise<number> {
  const result = await execa("getconf", ["CLK_TCK"], { reject: false, timeout: 2_000 });
  const ticks = Number(String(result.stdout).trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}
