/**
 * Runs `kitt web`'s jobs on the server's host, one at a time, in the order they were queued in
 * the database. Each job is the `kitt run` pipeline in a child process (`JobProcess`) writing to
 * the server's store, so its run is stored like any other. Viewers subscribe to a job's events:
 * they get the job's recent events, then live ones, through buffers that never make the job wait.
 *
 *   await using runner = await JobRunner.start({ store });
 *   const job = await runner.submit({ engine: "llama_cpp", model: "tiny.gguf", runtime: "native" });
 *   using _ = runner.subscribe(job.id, (event) => console.log(event));
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { kittHome, modelsDir, resultsDir } from "../../config/paths.js";
import { describeError } from "../../errors.js";
import { isObject } from "../../json.js";
import { packageRoot } from "../../package-root.js";
import { claimNextJob, createJob, finishJob, getJob, markStaleJobs, requestJobCancel, setJobRunId, type JobEnd, type JobRecord } from "../../store/jobs.js";
import type { ResultsStore } from "../../store/results-store.js";
import type { JobEvent, JobListener } from "./job-events.js";
import { JobEventHub } from "./job-event-hub.js";
import { JobProcess, type JobExit } from "./job-process.js";
import { JobRequestSchema, prepareJob, runArguments, type JobRequest } from "./job-request.js";

export const QUICK_TEST_KIND = "quick-test";

export interface JobRunnerOptions {
  store: ResultsStore;
  /** The model directory requests are resolved in, asked for each request (a setting may change it); `KITT_MODEL_DIR` by default. */
  modelDir?: () => string | Promise<string>;
  /** Where runs put their results folders, asked for each job (a setting may change it); `KITT_RESULTS_DIR` or `~/.kitt/results` by default. */
  resultsDir?: () => string | Promise<string>;
  /** The environment of `kitt run` (`KITT_HOME` included); the server's own by default. */
  env?: NodeJS.ProcessEnv;
  /** The built CLI; `dist/cli/bin.js` of this package by default. */
  kittBin?: string;
  /** Logs and suite files of jobs; `$KITT_HOME/jobs` by default. */
  jobsDir?: string;
  /** How long each signal of a stop may take before the next (default 45 s: kitt itself waits 30 s for a run to save). */
  stopGraceMs?: number;
  /** Where the jobs' events go; a new hub (2000 events kept per job, 8 ended jobs) by default. */
  events?: JobEventHub;
  /** How often the queue and cancel requests made through another server are looked at (default 1 s). */
  pollMs?: number;
}

interface ActiveJob {
  id: string;
  process?: JobProcess;
  cancelled: boolean;
  runId?: string;
  lastError?: string;
}

export class JobRunner implements AsyncDisposable {
  private active: ActiveJob | undefined;
  private closed = false;
  private started = false;
  private closing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    readonly store: ResultsStore,
    /** Every job's live events: this runner's, and those agents post. */
    readonly events: JobEventHub,
    private readonly options: Required<Omit<JobRunnerOptions, "store" | "events">>,
  ) {}

  /** `open()`, then `begin()`. */
  static async start(options: JobRunnerOptions): Promise<JobRunner> {
    const runner = await JobRunner.open(options);
    runner.begin();
    return runner;
  }

  /**
   * Marks this host's jobs whose server died as interrupted; takes no job until `begin()`, so a
   * server that then fails to listen never starts one.
   */
  static async open(options: JobRunnerOptions): Promise<JobRunner> {
    const env = options.env ?? process.env;
    const runner = new JobRunner(options.store, options.events ?? new JobEventHub(), {
      modelDir: options.modelDir ?? (() => modelsDir(env)),
      resultsDir: options.resultsDir ?? (() => resultsDir(env)),
      env,
      kittBin: options.kittBin ?? join(packageRoot(), "dist", "cli", "bin.js"),
      jobsDir: options.jobsDir ?? join(kittHome(env), "jobs"),
      stopGraceMs: options.stopGraceMs ?? 45_000,
      pollMs: options.pollMs ?? 1000,
    });
    await mkdir(runner.options.jobsDir, { recursive: true, mode: 0o700 });
    await markStaleJobs(options.store);
    return runner;
  }

  /** Starts taking queued jobs, one at a time; idempotent, and a no-op once closed. */
  begin(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.loop = this.takeJobs();
  }

  /** Checks a request against the model directory and the registries (USAGE when it does not fit) and queues it. */
  async submit(request: JobRequest): Promise<JobRecord> {
    await prepareJob(request, { modelDir: await this.options.modelDir(), env: this.options.env });
    const job = await createJob(this.store, { kind: QUICK_TEST_KIND, request, logPath: (id) => this.logPath(id) });
    this.emit(job.id, { type: "status", job });
    this.wake?.();
    return job;
  }

  /** A queued job is cancelled at once; a running one is stopped as Ctrl+C stops `kitt run`. NOT_FOUND for no such job. */
  async cancel(id: string): Promise<JobRecord> {
    const job = await requestJobCancel(this.store, id);
    if (job.status === "cancelled" && job.started_at === null) this.emit(id, { type: "status", job });
    if (this.active?.id === id) this.stopActive(true);
    return job;
  }

  /** The job's events, as `JobEventHub.subscribe`. */
  subscribe(jobId: string, listener: JobListener): Disposable {
    return this.events.subscribe(jobId, listener);
  }

  /** Stops taking jobs and stops the running one (it ends `interrupted`, keeping what its run stored); idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.wake?.();
      this.stopActive(false);
      await this.loop;
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private logPath(id: string): string {
    return join(this.options.jobsDir, `${id}.log`);
  }

  private async takeJobs(): Promise<void> {
    // Said once per outage, not once per poll.
    let lastFailure: string | undefined;
    while (!this.closed) {
      let job: JobRecord | undefined;
      try {
        job = await claimNextJob(this.store);
        lastFailure = undefined;
      } catch (error) {
        const failure = describeError(error);
        if (failure !== lastFailure) process.stderr.write(`kitt web: cannot read the job queue: ${failure}\n`);
        lastFailure = failure;
      }
      if (job) await this.run(job);
      else await this.sleep(this.options.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Runs a claimed job to its end; never throws. */
  private async run(job: JobRecord): Promise<void> {
    const active: ActiveJob = { id: job.id, cancelled: job.cancel_requested };
    this.active = active;
    this.emit(job.id, { type: "status", job });
    let end: JobEnd;
    try {
      end = await this.execute(job, active);
    } catch (error) {
      end = { status: "failed", error: describeError(error) };
    }
    if (this.closed && end.status !== "completed") end = { ...end, status: "interrupted", error: "the kitt web server stopped while the job ran" };
    else if (active.cancelled && end.status !== "completed") end = { ...end, status: "cancelled", error: null };
    this.active = undefined;
    try {
      const finished = await finishJob(this.store, job.id, { ...end, runId: active.runId ?? null });
      if (finished) this.emit(job.id, { type: "status", job: finished });
    } catch (error) {
      process.stderr.write(`kitt web: cannot record the end of job ${job.id}: ${describeError(error)}\n`);
    }
    this.events.ended(job.id);
  }

  private async execute(job: JobRecord, active: ActiveJob): Promise<JobEnd> {
    const request = JobRequestSchema.parse(job.request);
    const prepared = await prepareJob(request, { modelDir: await this.options.modelDir(), env: this.options.env });
    let suiteFile: string | undefined;
    if (prepared.suiteYaml !== undefined) {
      suiteFile = join(this.options.jobsDir, `${job.id}.suite.yaml`);
      await writeFile(suiteFile, prepared.suiteYaml, { mode: 0o600 });
    }
    if (active.cancelled || this.closed) return { status: "cancelled" };
    const child = JobProcess.start({
      bin: this.options.kittBin,
      args: runArguments(prepared, suiteFile),
      env: childEnvironment(this.options.env, this.store, await this.options.resultsDir()),
      cwd: this.options.jobsDir,
      logPath: job.log_path ?? this.logPath(job.id),
      onLine: (stream, line) => {
        if (stream === "stderr" && line.trim() !== "") active.lastError = line.trim();
        this.emit(job.id, { type: "log", stream, line });
      },
      onMessage: (message) => this.onMessage(job.id, active, message),
    });
    active.process = child;
    // A cancel asked through another server reaches this one through the database.
    const watch = setInterval(() => void this.checkCancel(job.id), this.options.pollMs);
    let exit: JobExit;
    try {
      exit = await child.exited;
    } finally {
      clearInterval(watch);
    }
    if (exit.code === 0) return { status: "completed", exitCode: 0 };
    return { status: "failed", exitCode: exit.code, error: active.lastError ?? `kitt run exited with ${exit.code}` };
  }

  private onMessage(jobId: string, active: ActiveJob, message: unknown): void {
    if (!isObject(message)) return;
    if (message.type === "run" && typeof message.run_id === "string" && typeof message.results_dir === "string") {
      active.runId = message.run_id;
      this.emit(jobId, { type: "run", run_id: message.run_id, results_dir: message.results_dir });
      setJobRunId(this.store, jobId, message.run_id).catch((error: unknown) => process.stderr.write(`kitt web: cannot record job ${jobId}'s run: ${describeError(error)}\n`));
    } else if (message.type === "progress" && typeof message.test === "string" && typeof message.phase === "string") {
      const number = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
      this.emit(jobId, {
        type: "progress",
        test: message.test,
        phase: message.phase,
        completed: number(message.completed),
        total: number(message.total),
        failed: number(message.failed),
        ...(typeof message.message === "string" ? { message: message.message } : {}),
      });
    }
  }

  private async checkCancel(jobId: string): Promise<void> {
    if (this.active?.id !== jobId || this.active.cancelled) return;
    const job = await getJob(this.store, jobId).catch(() => undefined);
    if (job?.cancel_requested) this.stopActive(true);
  }

  private stopActive(cancel: boolean): void {
    const active = this.active;
    if (!active) return;
    if (cancel) active.cancelled = true;
    void active.process?.stop(this.options.stopGraceMs);
  }

  private emit(jobId: string, event: JobEvent): void {
    this.events.emit(jobId, event);
  }
}

/**
 * The server's environment less its API token (a run has no use for it), with the server's store
 * as `KITT_DB_URL`: in the environment, so a password never shows in a process listing.
 */
function childEnvironment(env: NodeJS.ProcessEnv, store: ResultsStore, results: string): NodeJS.ProcessEnv {
  const { KITT_AUTH_TOKEN: _token, ...rest } = env;
  const url = store.location.dialect === "sqlite" ? store.location.path : store.location.url;
  return { ...rest, KITT_DB_URL: url, KITT_RESULTS_DIR: results, NO_COLOR: "1", FORCE_COLOR: "0" };
}
