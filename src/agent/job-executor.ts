/**
 * One `run_test` command on the agent: its model found in the model directory or copied from the
 * share (`agent-models.ts`), the request checked against the model directory, `kitt
 * run` as a child process (`JobProcess`: its own process group, stopped like Ctrl+C), its log
 * lines, progress and run id numbered from 1 and spooled in batches while it runs, then the
 * results folder packed as a `.tar.gz` and the finish record, both spooled in that order; a copied
 * model is deleted before them when `auto_cleanup` is on, whatever the outcome.
 * `recoverInterruptedJobs` is what a restarted agent does about a job its predecessor left.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { describeError } from "../errors.js";
import { isObject } from "../json.js";
import { removeLeftoverContainers } from "../runtime/leftover-containers.js";
import { killLeftoverProcesses } from "../runtime/pid-files.js";
import { processStartTime } from "../runtime/process-owner.js";
import type { AgentJobEvent, JobFinishSchema } from "../server/agents/agent-protocol.js";
import { JobProcess } from "../server/jobs/job-process.js";
import { prepareJob, runArguments, type JobRequest } from "../server/jobs/job-request.js";
import { packResultsFolder } from "../store/run-archive.js";
import type { z } from "zod";
import { jobModelName, provideJobModel, releaseJobModel, type JobEventBody } from "./agent-models.js";
import type { AgentState } from "./agent-state.js";
import type { ModelShare } from "./model-share.js";
import type { AgentModel } from "./model-source.js";
import type { Spool } from "./spool.js";

export type JobFinish = z.output<typeof JobFinishSchema>;

export interface JobExecutionOptions {
  jobId: string;
  request: JobRequest;
  modelDir: string;
  /** Where a model the model directory lacks is copied from. */
  share?: ModelShare;
  /** Asked once the run ended: delete the model this job copied? */
  autoCleanup?: () => boolean;
  /** Settles when the model directory may be used (a cleanup in progress has ended). */
  modelsReady?: Promise<unknown>;
  /** `kitt run`'s environment (`KITT_HOME` included). */
  env: NodeJS.ProcessEnv;
  /** The built CLI, `dist/cli/bin.js`. */
  kittBin: string;
  /** Logs and suite files of jobs. */
  jobsDir: string;
  spool: Spool;
  state: AgentState;
  /** Called whenever something was spooled, to send it. */
  onSpooled(): void;
  /** Each signal of a stop may take this long before the next (default 45 s). */
  stopGraceMs?: number;
  /** How long events gather before they are spooled as one batch (default 500 ms). */
  batchMs?: number;
}

const MAX_BATCH = 1000;

export class JobExecution {
  /** Resolves with how the job ended once its results and finish are spooled; never rejects. */
  readonly done: Promise<JobFinish>;
  private process: JobProcess | undefined;
  private stopReason: "cancelled" | "interrupted" | undefined;
  private stopGraceMs: number;
  private seq = 0;
  private pending: AgentJobEvent[] = [];
  private batching: Promise<unknown> = Promise.resolve();
  private runId: string | undefined;
  private resultsDir: string | undefined;
  private lastError: string | undefined;
  private model: AgentModel | undefined;
  private readonly copying = new AbortController();

  private constructor(private readonly options: JobExecutionOptions) {
    this.stopGraceMs = options.stopGraceMs ?? 45_000;
    this.done = this.run();
  }

  static start(options: JobExecutionOptions): JobExecution {
    return new JobExecution(options);
  }

  get jobId(): string {
    return this.options.jobId;
  }

  /** The model the job names, as copies are named (see `jobModelName`). */
  get modelName(): string | undefined {
    return jobModelName(this.options.request.model);
  }

  /** Ctrl+C for the run (`cancelled`: the server's stop; `interrupted`: the agent itself stops); a model copy is cut short. */
  stop(reason: "cancelled" | "interrupted"): void {
    this.stopReason ??= reason;
    this.copying.abort();
    void this.process?.stop(this.stopGraceMs);
  }

  private async run(): Promise<JobFinish> {
    const { jobId, state } = this.options;
    let finish: JobFinish;
    try {
      await state.update((data) => {
        data.jobs.push({ job_id: jobId, status: "running", engine: this.options.request.engine, model: this.options.request.model ?? null, started_at: new Date().toISOString(), ended_at: null, run_id: null, error: null });
      });
      finish = await this.execute();
    } catch (error) {
      finish = this.stopReason && this.process === undefined ? this.ended(this.stopReason, null, null) : this.ended("failed", null, describeError(error));
    }
    if (this.model && (this.options.autoCleanup?.() ?? true)) await releaseJobModel(this.model, this.options.modelDir, (event) => this.event(event));
    try {
      await this.flushEvents();
      await this.spoolResults();
      await this.options.spool.append({ kind: "finish", job_id: jobId, finish });
      this.options.onSpooled();
      await state.updateJob(jobId, { status: finish.status, ended_at: new Date().toISOString(), run_id: finish.run_id, error: finish.error, pid: undefined, pid_start_time: undefined });
    } catch (error) {
      // A full or broken disk: the agent goes on; a restarted one reports the job interrupted.
      process.stderr.write(`kitt agent: cannot record the end of job ${jobId}: ${describeError(error)}\n`);
    }
    return finish;
  }

  private async execute(): Promise<JobFinish> {
    const { jobId, request, jobsDir } = this.options;
    await mkdir(jobsDir, { recursive: true, mode: 0o700 });
    await this.options.modelsReady;
    if (request.model !== undefined) {
      this.model = await provideJobModel(request.model, { modelDir: this.options.modelDir, share: this.options.share, signal: this.copying.signal, emit: (event) => this.event(event) });
      if (this.model.copied) await this.options.state.updateJob(jobId, { copied_model: this.model.relative });
    }
    const prepared = await prepareJob(request, { modelDir: this.options.modelDir, env: this.options.env });
    let suiteFile: string | undefined;
    if (prepared.suiteYaml !== undefined) {
      suiteFile = join(jobsDir, `${jobId}.suite.yaml`);
      await writeFile(suiteFile, prepared.suiteYaml, { mode: 0o600 });
    }
    if (this.stopReason) return this.ended(this.stopReason, null, null);
    const timer = setInterval(() => void this.flushEvents(), this.options.batchMs ?? 500);
    try {
      this.process = JobProcess.start({
        bin: this.options.kittBin,
        args: runArguments(prepared, suiteFile),
        env: { ...this.options.env, NO_COLOR: "1", FORCE_COLOR: "0" },
        cwd: jobsDir,
        logPath: join(jobsDir, `${jobId}.log`),
        onLine: (stream, line) => {
          if (stream === "stderr" && line.trim() !== "") this.lastError = line.trim();
          this.event({ type: "log", stream, line });
        },
        onMessage: (message) => this.onMessage(message),
      });
      const pid = this.process.pid;
      if (pid !== undefined) await this.options.state.updateJob(jobId, { pid, pid_start_time: processStartTime(pid) });
      if (this.stopReason) this.stop(this.stopReason);
      const exit = await this.process.exited;
      if (exit.code === 0) return this.ended("completed", 0, null);
      if (this.stopReason) return this.ended(this.stopReason, exit.code, this.stopReason === "interrupted" ? "the agent stopped while the job ran" : null);
      return this.ended("failed", exit.code, this.lastError ?? `kitt run exited with ${exit.code}`);
    } finally {
      clearInterval(timer);
    }
  }

  private ended(status: JobFinish["status"], exitCode: number | null, error: string | null): JobFinish {
    return { status, exit_code: exitCode, error: error?.slice(0, 4096) ?? null, run_id: this.runId ?? null };
  }

  private onMessage(message: unknown): void {
    if (!isObject(message)) return;
    if (message.type === "run" && typeof message.run_id === "string" && typeof message.results_dir === "string") {
      this.runId = message.run_id;
      this.resultsDir = message.results_dir;
      this.event({ type: "run", run_id: message.run_id });
    } else if (message.type === "progress" && typeof message.test === "string" && typeof message.phase === "string") {
      const count = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0);
      this.event({
        type: "progress",
        test: message.test.slice(0, 256),
        phase: message.phase.slice(0, 64),
        completed: count(message.completed),
        total: count(message.total),
        failed: count(message.failed),
        ...(typeof message.message === "string" ? { message: message.message.slice(0, 4096) } : {}),
      });
    }
  }

  private event(body: JobEventBody): void {
    this.pending.push({ ...body, seq: ++this.seq } as AgentJobEvent);
    if (this.pending.length >= MAX_BATCH) void this.flushEvents();
  }

  /** Spools what gathered as batches, after any batch spooled before. */
  private flushEvents(): Promise<unknown> {
    const events = this.pending.splice(0);
    if (events.length === 0) return this.batching;
    this.batching = this.batching.then(async () => {
      for (let start = 0; start < events.length; start += MAX_BATCH) {
        await this.options.spool.append({ kind: "events", job_id: this.options.jobId, batch: { events: events.slice(start, start + MAX_BATCH) } });
      }
      this.options.onSpooled();
    }).catch((error: unknown) => process.stderr.write(`kitt agent: cannot spool job ${this.options.jobId}'s events: ${describeError(error)}\n`));
    return this.batching;
  }

  /** The results folder as a `.tar.gz` under the spool, with its digest; a run that wrote nothing uploads nothing. */
  private async spoolResults(): Promise<void> {
    const { spool, jobId } = this.options;
    if (this.runId === undefined || this.resultsDir === undefined) return;
    const name = spool.blobName(".tar.gz");
    const path = join(spool.blobsDir, name);
    try {
      const archive = await packResultsFolder(this.resultsDir, this.runId);
      const hash = createHash("sha256");
      const digest = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(archive.stream as WebReadableStream<Uint8Array>), digest, createWriteStream(path, { mode: 0o600, flush: true }));
      await spool.append({ kind: "results", job_id: jobId, run_id: this.runId, sha256: hash.digest("hex"), archive: name });
      this.options.onSpooled();
    } catch (error) {
      await rm(path, { force: true });
      process.stderr.write(`kitt agent: job ${jobId}'s results folder ${this.resultsDir} is not uploaded: ${describeError(error)}\n`);
    }
  }
}

/**
 * For each job the state says was running when this agent last stopped: stops its `kitt run` if
 * it outlived the agent (SIGTERM, kitt's forced exit that still removes engines, then SIGKILL
 * to its group), removes the engines kitt left (containers labelled `kitt.managed`, native
 * engine process groups, those whose kitt is gone only) and spools the job's end as
 * `interrupted`. Returns the jobs it reported.
 */
export async function recoverInterruptedJobs(state: AgentState, spool: Spool, graceMs = 30_000): Promise<string[]> {
  const jobs = state.running;
  for (const job of jobs) {
    if (job.pid !== undefined && job.pid_start_time !== undefined && processStartTime(job.pid) === job.pid_start_time) {
      await stopOrphan(job.pid, job.pid_start_time, graceMs);
    }
  }
  if (jobs.length > 0) await removeLeftoverEngines();
  for (const job of jobs) {
    const error = "the agent stopped while the job ran (it was restarted; leftover engines removed)";
    await spool.append({ kind: "finish", job_id: job.job_id, finish: { status: "interrupted", exit_code: null, error, run_id: job.run_id } });
    await state.updateJob(job.job_id, { status: "interrupted", ended_at: new Date().toISOString(), error, pid: undefined, pid_start_time: undefined });
  }
  return jobs.map((job) => job.job_id);
}

async function stopOrphan(pid: number, startTime: string, graceMs: number): Promise<void> {
  const alive = () => processStartTime(pid) === startTime;
  const signal = (name: NodeJS.Signals, target: number) => {
    try {
      process.kill(target, name);
    } catch {
      // Gone already.
    }
  };
  signal("SIGTERM", pid);
  for (let waited = 0; waited < graceMs && alive(); waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
  if (alive()) signal("SIGKILL", -pid);
  for (let waited = 0; waited < 10_000 && alive(); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** `kitt engines cleanup` without `--all`: only what a kitt that is gone left behind. */
async function removeLeftoverEngines(): Promise<void> {
  const processes = killLeftoverProcesses();
  for (const stopped of processes.stopped) process.stderr.write(`kitt agent: stopped the leftover ${stopped.engine} engine (pid ${stopped.pid})\n`);
  try {
    const containers = await removeLeftoverContainers();
    for (const removed of containers.removed) process.stderr.write(`kitt agent: removed the leftover container ${removed.name}\n`);
  } catch (error) {
    process.stderr.write(`kitt agent: leftover containers not checked: ${describeError(error)}\n`);
  }
}
