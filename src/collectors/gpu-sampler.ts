/**
 * Samples GPU memory every `intervalMs` (default 100 ms) while a benchmark runs, from one
 * long-lived `nvidia-smi … -lms N` child that dies with kitt however kitt ends (see WATCHDOG).
 * Unified-memory GPUs report `[N/A]`; for them the sampler switches to reading /proc/meminfo
 * (MemTotal − MemAvailable) at the same interval.
 * When nothing can be measured the report says `available: false` and why — never zeros.
 *
 *   await using sampler = new GpuMemorySampler();
 *   await sampler.start();
 *   const phase = sampler.mark();
 *   …
 *   const during = sampler.snapshot(phase);
 *   const whole = await sampler.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { readFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { KittError } from "../errors.js";
import { MEMINFO_PATH, parseMeminfo, usedKiB } from "../hardware/meminfo.js";
import { NVIDIA_SMI } from "../hardware/nvidia-gpus.js";
import { kibToGb, mibToGb } from "../hardware/units.js";
import { summarizeSamples, type GpuMemoryPerGpu, type GpuSample } from "./gpu-memory-stats.js";
import { parseSampleLine, samplerArgs } from "./gpu-sample-line.js";

export type { GpuMemoryPerGpu, GpuSample } from "./gpu-memory-stats.js";

export type GpuMemoryReport =
  | {
      available: true;
      /** "meminfo" on unified-memory GPUs: the figures then include CPU-side memory too. */
      source: "nvidia-smi" | "meminfo";
      interval_ms: number;
      peak_gb: number;
      avg_gb: number;
      per_gpu: GpuMemoryPerGpu[];
      samples: GpuSample[];
    }
  | { available: false; reason: string };

export interface GpuMemorySamplerOptions {
  intervalMs?: number;
  /** The nvidia-smi binary (looked up on PATH). */
  command?: string;
  /** Environment for the child, e.g. a PATH that holds a stand-in nvidia-smi. */
  env?: NodeJS.ProcessEnv;
  meminfoPath?: string;
  /**
   * Samples kept per GPU at most (default: all). Beyond it every other one is dropped and only
   * every second reading is kept from then on, so a long run keeps its whole span in bounded memory.
   */
  maxSamplesPerGpu?: number;
}

/** A point in the sample stream; `snapshot(mark)` covers the samples taken after it. */
export interface GpuSamplerMark {
  /** Milliseconds since the sampler started. */
  readonly t: number;
}

/** Grace period between SIGTERM and SIGKILL for the nvidia-smi child. */
const KILL_GRACE_MS = 2_000;

/**
 * nvidia-smi is started by `sh`, which forks a watchdog and then becomes nvidia-smi (`exec`:
 * same pid). The watchdog blocks reading a pipe that kitt holds open and never writes to; the
 * read ends as soon as kitt closes it — on stop, or when kitt is gone however it died (even
 * SIGKILL) — and the watchdog then ends nvidia-smi, which would otherwise loop on without a
 * reader.
 */
const WATCHDOG = [
  // An asynchronous list reads /dev/null on fd 0, so the pipe goes to the watchdog as fd 3.
  "exec 3<&0",
  '{ read -r _ <&3; kill "$$"; } >/dev/null 2>&1 &',
  'exec "$0" "$@" 3<&-',
].join("\n");

export class GpuMemorySampler implements AsyncDisposable {
  readonly #intervalMs: number;
  readonly #command: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #meminfoPath: string;
  readonly #maxSamplesPerGpu: number;
  #samples: GpuSample[] = [];
  /** Readings seen per GPU, and which of them are kept (every `#stride`-th once thinned). */
  readonly #readings = new Map<number, number>();
  #stride = 1;
  #source: "nvidia-smi" | "meminfo" = "nvidia-smi";
  #startedAt = 0;
  #starting: Promise<void> | undefined;
  #stopping: Promise<GpuMemoryReport> | undefined;
  #child: ChildProcess | undefined;
  #childGone: Promise<void> = Promise.resolve();
  /** Set once the sampler itself ends the child, so that ending is not read as a failure. */
  #childKilled = false;
  #meminfoTimer: NodeJS.Timeout | undefined;
  #unavailable: string | undefined;
  /** The first thing nvidia-smi said that was not a sample: its explanation when it fails. */
  #firstMessage: string | undefined;

  constructor(options: GpuMemorySamplerOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 100;
    this.#command = options.command ?? NVIDIA_SMI;
    this.#env = options.env;
    this.#meminfoPath = options.meminfoPath ?? MEMINFO_PATH;
    this.#maxSamplesPerGpu = Math.max(2, options.maxSamplesPerGpu ?? Number.POSITIVE_INFINITY);
  }

  /** Starts sampling; resolves once nvidia-smi is running or known to be unavailable. */
  async start(): Promise<void> {
    if (this.#stopping) throw new KittError("INTERNAL", "the GPU memory sampler was already stopped");
    this.#starting ??= this.#spawn();
    return this.#starting;
  }

  mark(): GpuSamplerMark {
    return { t: this.#elapsed() };
  }

  /** Statistics so far, or since `mark`; sampling goes on. */
  snapshot(since?: GpuSamplerMark): GpuMemoryReport {
    if (this.#unavailable !== undefined) return { available: false, reason: this.#unavailable };
    if (!this.#starting) return { available: false, reason: "the GPU memory sampler was not started" };
    const samples = since === undefined ? [...this.#samples] : this.#samples.filter((sample) => sample.t > since.t);
    const stats = summarizeSamples(samples);
    if (!stats) {
      const window = since ? ` since the mark (a phase shorter than the ${this.#intervalMs} ms interval?)` : "";
      return { available: false, reason: `no GPU memory samples were collected${window}` };
    }
    return { available: true, source: this.#source, interval_ms: this.#intervalMs * this.#stride, ...stats, samples };
  }

  /** Ends sampling and reports the whole run. Safe to call twice, or without `start()`. */
  stop(): Promise<GpuMemoryReport> {
    this.#stopping ??= (async () => {
      await this.#starting;
      clearInterval(this.#meminfoTimer);
      await this.#killChild();
      return this.snapshot();
    })();
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #elapsed(): number {
    return this.#startedAt === 0 ? 0 : Math.round(performance.now() - this.#startedAt);
  }

  async #spawn(): Promise<void> {
    this.#startedAt = performance.now();
    const command = findOnPath(this.#command, this.#env ?? process.env);
    if (!command) {
      this.#unavailable = `${this.#command} not found`;
      return;
    }
    const child = spawn("/bin/sh", ["-c", WATCHDOG, command, ...samplerArgs(this.#intervalMs)], {
      stdio: ["pipe", "pipe", "pipe"],
      env: this.#env,
    });
    this.#child = child;
    // Only its closing matters (see WATCHDOG); kitt writes nothing to it.
    child.stdin?.on("error", () => undefined);
    let spawned = false;
    this.#childGone = new Promise((gone) => {
      // "close", not "exit": it comes after the last line of output, which may be the explanation.
      child.once("close", (code, signal) => {
        child.stdin?.destroy();
        this.#onChildClose(code, signal);
        gone();
      });
      // A failed spawn emits "error" and never "close"; later errors (a failed kill) change nothing.
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (spawned) return;
        this.#unavailable = `cannot run ${this.#command}: ${error.message}`;
        gone();
      });
    });
    createInterface({ input: child.stdout! }).on("line", (line) => this.#onLine(line));
    createInterface({ input: child.stderr! }).on("line", (line) => this.#noteMessage(line));
    await Promise.race([new Promise((resolve) => child.once("spawn", resolve)), this.#childGone]);
    spawned = child.pid !== undefined;
  }

  #onLine(line: string): void {
    if (this.#source !== "nvidia-smi") return;
    const parsed = parseSampleLine(line);
    if (!parsed) return this.#noteMessage(line);
    if (this.#stopping) return;
    if (parsed.kind === "unified") {
      if (this.#samples.length === 0) this.#switchToMeminfo(parsed.gpu);
      return;
    }
    this.#keep({ t: this.#elapsed(), gpu: parsed.gpu, used_gb: mibToGb(parsed.usedMiB) });
  }

  #keep(sample: GpuSample): void {
    const reading = (this.#readings.get(sample.gpu) ?? 0) + 1;
    this.#readings.set(sample.gpu, reading);
    if ((reading - 1) % this.#stride !== 0) return;
    this.#samples.push(sample);
    if (this.#samples.length > this.#maxSamplesPerGpu * this.#readings.size) {
      const keptPerGpu = new Map<number, number>();
      this.#samples = this.#samples.filter((kept) => {
        const index = keptPerGpu.get(kept.gpu) ?? 0;
        keptPerGpu.set(kept.gpu, index + 1);
        return index % 2 === 0;
      });
      this.#stride *= 2;
    }
  }

  #noteMessage(line: string): void {
    if (this.#firstMessage === undefined && line.trim() !== "") this.#firstMessage = line.trim();
  }

  #onChildClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#childKilled || this.#samples.length > 0) return;
    const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
    this.#unavailable = `${this.#command} ${how}${this.#firstMessage ? `: ${this.#firstMessage}` : ""}`;
  }

  #switchToMeminfo(gpu: number): void {
    this.#source = "meminfo";
    this.#childKilled = true;
    this.#child?.kill("SIGTERM");
    let reading = false;
    const sample = async () => {
      if (reading || this.#stopping) return;
      reading = true;
      try {
        const used = usedKiB(parseMeminfo(await readFile(this.#meminfoPath, "utf8")));
        if (used === undefined) throw new Error("no MemTotal/MemAvailable");
        if (!this.#stopping) this.#keep({ t: this.#elapsed(), gpu, used_gb: kibToGb(used) });
      } catch (error) {
        clearInterval(this.#meminfoTimer);
        if (this.#samples.length === 0) {
          this.#unavailable ??= `GPU ${gpu} has unified memory and ${this.#meminfoPath} cannot be read (${(error as Error).message})`;
        }
      } finally {
        reading = false;
      }
    };
    void sample();
    this.#meminfoTimer = setInterval(() => void sample(), this.#intervalMs);
  }

  async #killChild(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return this.#childGone;
    this.#childKilled = true;
    child.kill("SIGTERM");
    child.stdin?.destroy();
    const forceKill = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    await this.#childGone;
    clearTimeout(forceKill);
  }
}

/** The executable `command` names, looked up on `env.PATH` as the shell would; undefined when there is none. */
function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = command.includes("/") ? [command] : (env.PATH ?? "").split(delimiter).map((dir) => join(dir || ".", command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
