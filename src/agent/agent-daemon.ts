/**
 * `kitt agent start`: the agent's loop. It heartbeats at the interval the server sets (status, the
 * running job, GPUs, free model storage), and at once when its wait for commands between
 * heartbeats is answered, and runs the commands each answer carries: one test at a
 * time (its model copied from the share when needed), `stop` as Ctrl+C, Docker checks, engine
 * setup, deleting copied models. What it owes the server goes through the
 * spool, so an outage loses nothing: it keeps the test running and delivers once the server is
 * back. A heartbeat answered `unknown_agent` (the server's database was reset) makes it register
 * again with its token; a 401 (token revoked or rotated) or a certificate that is not the pinned
 * one ends it with a clear message.
 *
 *   await using daemon = await AgentDaemon.start({ env });
 *   const end = await daemon.ended;
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeError, KittError } from "../errors.js";
import { engineNames } from "../engines/registry.js";
import { collectFingerprint } from "../hardware/fingerprint.js";
import { kittVersion, packageRoot } from "../package-root.js";
import { docker } from "../runtime/docker-cli.js";
import { processStartTime } from "../runtime/process-owner.js";
import type { AgentCommand } from "../server/agents/agent-protocol.js";
import { agentDir, loadAgentConfig, saveAgentConfig, agentConfigPath, type AgentConfig } from "./agent-config.js";
import { AgentClient, type CommandResult, type Outcome, type RegisterResponse } from "./agent-client.js";
import { freeStorageGb, gpuStatus, presentEngines } from "./agent-host.js";
import { cleanupStorage, configuredShare, releaseInterruptedCopies } from "./agent-models.js";
import { AgentState } from "./agent-state.js";
import { JobExecution, recoverInterruptedJobs } from "./job-executor.js";
import { waitForCommands } from "./command-wait.js";
import { Spool, type Delivery, type SpooledItem } from "./spool.js";

export interface AgentDaemonOptions {
  /** `KITT_HOME` and the environment of `kitt run`; the process's own by default. */
  env?: NodeJS.ProcessEnv;
  /** The built CLI; `dist/cli/bin.js` of this package by default. */
  kittBin?: string;
  /** Overrides the server's heartbeat interval (tests). */
  heartbeatMs?: number;
  /** How long to wait before trying the server again after it did not answer (default 5 s). */
  retryMs?: number;
  /** Each signal of a stop may take this long before the next (default 45 s). */
  stopGraceMs?: number;
  /** Each call's time limit (default 15 s). */
  requestTimeoutMs?: number;
  /** Where the agent says what it does; stderr by default. */
  log?: (line: string) => void;
}

export type DaemonEnd = { reason: "closed" } | { reason: "revoked" | "pin_mismatch"; message: string };

/** A sleep that `wake()` cuts short. */
class Sleeper {
  private wakeUp: (() => void) | undefined;
  private woken = false;

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }
}

const SETUP_TIMEOUT_MS = 3_600_000;
const MAX_OUTPUT = 65_536;
const STOP_POLL_MS = 500;

export class AgentDaemon implements AsyncDisposable {
  readonly ended: Promise<DaemonEnd>;
  private endWith!: (end: DaemonEnd) => void;
  private closed = false;
  private closing: Promise<DaemonEnd> | undefined;
  private execution: JobExecution | undefined;
  private readonly heartbeats = new Sleeper();
  /** Aborted once the daemon stops: ends the wait for commands. */
  private readonly stopping = new AbortController();
  private readonly sends = new Sleeper();
  private readonly handled = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private loops: Promise<unknown>[] = [];
  private reregister = false;
  private lastProblem: string | undefined;
  private hardware: Record<string, unknown> | undefined;
  private stopWatch: NodeJS.Timeout | undefined;
  /** The `cleanup_storage` in progress, if any. */
  private storageWork: Promise<unknown> = Promise.resolve();

  private constructor(
    private config: AgentConfig,
    private readonly client: AgentClient,
    private readonly state: AgentState,
    private readonly spool: Spool,
    private readonly dir: string,
    private readonly options: Required<Omit<AgentDaemonOptions, "heartbeatMs">> & { heartbeatMs?: number },
  ) {
    this.ended = new Promise((resolve) => {
      this.endWith = resolve;
    });
  }

  /** Loads `agent.yaml`, takes the pid file, reports a job a crashed predecessor left, and starts the loops. */
  static async start(options: AgentDaemonOptions = {}): Promise<AgentDaemon> {
    const env = options.env ?? process.env;
    const config = await loadAgentConfig(agentConfigPath(env));
    const dir = agentDir(env);
    await mkdir(join(dir, "stop-requests"), { recursive: true, mode: 0o700 });
    await takePidFile(dir);
    const state = await AgentState.open(dir);
    const spool = await Spool.open(join(dir, "spool"));
    const client = new AgentClient({ server: config.server, token: config.token, caPin: config.ca_pin, timeoutMs: options.requestTimeoutMs });
    const daemon = new AgentDaemon(config, client, state, spool, dir, {
      env,
      kittBin: options.kittBin ?? join(packageRoot(), "dist", "cli", "bin.js"),
      heartbeatMs: options.heartbeatMs,
      retryMs: options.retryMs ?? 5000,
      stopGraceMs: options.stopGraceMs ?? 45_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      log: options.log ?? ((line) => process.stderr.write(`kitt agent: ${line}\n`)),
    });
    try {
      const interrupted = await recoverInterruptedJobs(state, spool);
      for (const job of interrupted) daemon.options.log(`job ${job} was running when this agent last stopped: reported interrupted`);
      if (config.settings.auto_cleanup) {
        const jobs = state.snapshot.jobs.filter((job) => interrupted.includes(job.job_id));
        for (const line of await releaseInterruptedCopies(jobs, config.model_dir)) daemon.options.log(line);
      }
    } catch (error) {
      await daemon.close();
      throw error;
    }
    daemon.loops = [daemon.heartbeatLoop(), daemon.sendLoop(), waitForCommands(client, { signal: daemon.stopping.signal, onPending: () => daemon.heartbeats.wake(), retryMs: daemon.options.retryMs })];
    daemon.stopWatch = setInterval(() => void daemon.checkStopRequests(), STOP_POLL_MS);
    return daemon;
  }

  /** The job it runs now, if any. */
  get runningJob(): string | undefined {
    return this.execution?.jobId;
  }

  get agentId(): string {
    return this.config.agent_id;
  }

  /**
   * Stops the running test as Ctrl+C does (it ends `interrupted`), tries once more to deliver what
   * is spooled, and releases the pid file; idempotent.
   */
  close(): Promise<DaemonEnd> {
    return this.finish({ reason: "closed" });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close().then(() => undefined);
  }

  private finish(end: DaemonEnd): Promise<DaemonEnd> {
    this.closing ??= (async () => {
      this.closed = true;
      if (end.reason !== "closed") this.options.log(end.message);
      clearInterval(this.stopWatch);
      this.execution?.stop("interrupted");
      await this.execution?.done;
      this.heartbeats.wake();
      this.sends.wake();
      this.stopping.abort();
      await Promise.all(this.loops);
      await Promise.allSettled([...this.background]);
      if (end.reason === "closed") await this.spool.flush((item) => this.deliver(item)).catch(() => undefined);
      await this.client.close();
      await rm(join(this.dir, "agent.pid"), { force: true });
      this.endWith(end);
      return end;
    })();
    return this.closing;
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.closed) {
      try {
        if (this.reregister) await this.register();
        else await this.heartbeat();
      } catch (error) {
        this.problem(`heartbeat failed: ${describeError(error)}`);
      }
      if (this.closed) break;
      if (!this.reregister) await this.heartbeats.sleep(this.options.heartbeatMs ?? this.config.settings.heartbeat_interval_s * 1000);
      else await this.heartbeats.sleep(this.options.retryMs);
    }
  }

  private async heartbeat(): Promise<void> {
    const running = this.execution?.jobId ?? null;
    const outcome = await this.client.heartbeat({
      status: running === null ? "idle" : "busy",
      running_job: running,
      gpus: await gpuStatus(),
      free_model_storage_gb: await freeStorageGb(this.config.model_dir),
      kitt_version: kittVersion(),
    });
    if (!this.accepted(outcome)) return;
    await this.state.update((data) => {
      data.last_heartbeat_at = new Date().toISOString();
      data.last_problem = null;
    });
    await this.syncSettings(outcome.value.settings);
    for (const command of outcome.value.commands) this.dispatch(command);
  }

  /** After a database reset: the same agent, by its token. */
  private async register(): Promise<void> {
    this.hardware ??= (await collectFingerprint()) as unknown as Record<string, unknown>;
    const outcome = await this.client.register({ name: this.config.name, kitt_version: kittVersion(), hardware: this.hardware, engines: await presentEngines() });
    if (!this.accepted(outcome)) return;
    this.reregister = false;
    this.options.log(`registered again with ${this.config.server} as ${outcome.value.agent_id}`);
    await this.adopt(outcome.value);
    this.heartbeats.wake();
    this.sends.wake();
  }

  private async adopt(registered: RegisterResponse): Promise<void> {
    if (registered.agent_id !== this.config.agent_id) {
      this.config = { ...this.config, agent_id: registered.agent_id };
      await saveAgentConfig(this.config, agentConfigPath(this.options.env));
    }
    await this.syncSettings(registered.settings);
  }

  private async syncSettings(settings: AgentConfig["settings"]): Promise<void> {
    const current = this.config.settings;
    if (current.heartbeat_interval_s === settings.heartbeat_interval_s && current.auto_cleanup === settings.auto_cleanup) return;
    this.config = { ...this.config, settings };
    await saveAgentConfig(this.config, agentConfigPath(this.options.env));
  }

  /** True for `ok`; anything else is acted on here (re-register, stop, note the outage). */
  private accepted<T>(outcome: Outcome<T>): outcome is { kind: "ok"; value: T } {
    switch (outcome.kind) {
      case "ok":
        if (this.lastProblem !== undefined) this.options.log(`${this.config.server} answers again`);
        this.lastProblem = undefined;
        return true;
      case "unknown_agent":
        if (!this.reregister) this.options.log(`${outcome.message}: registering again`);
        this.reregister = true;
        this.heartbeats.wake();
        return false;
      case "revoked":
      case "pin_mismatch":
        void this.finish({ reason: outcome.kind, message: outcome.message });
        return false;
      case "unreachable":
      case "rejected":
        this.problem(outcome.message);
        return false;
    }
  }

  /** Said once until the server answers again (an outage fails every call), kept in the state for `kitt agent status`. */
  private problem(message: string): void {
    if (this.lastProblem === undefined) this.options.log(message);
    this.lastProblem = message;
    void this.state.update((data) => {
      data.last_problem = message;
    }).catch(() => undefined);
  }

  private async sendLoop(): Promise<void> {
    while (!this.closed) {
      let left = 0;
      try {
        left = await this.spool.flush((item) => this.deliver(item));
      } catch (error) {
        this.problem(`cannot read the spool: ${describeError(error)}`);
        left = 1;
      }
      if (this.closed) break;
      if (left > 0) await this.sends.sleep(this.options.retryMs);
      else await this.sends.sleep(60_000);
    }
  }

  private async deliver(item: SpooledItem): Promise<Delivery> {
    if (this.reregister) return "later";
    let outcome: Outcome<void>;
    switch (item.kind) {
      case "events":
        outcome = await this.client.jobEvents(item.job_id, item.batch);
        break;
      case "finish":
        outcome = await this.client.jobFinish(item.job_id, item.finish);
        break;
      case "command_result":
        outcome = await this.client.commandResult(item.command_id, item.result);
        break;
      case "results":
        outcome = await this.client.uploadResults(item.job_id, { path: join(this.spool.blobsDir, item.archive), sha256: item.sha256, runId: item.run_id });
        break;
    }
    if (outcome.kind === "ok") return "taken";
    if (outcome.kind === "rejected") {
      this.options.log(`dropping what the server will not take (${item.kind} of ${"job_id" in item ? `job ${item.job_id}` : `command ${item.command_id}`}): ${outcome.message}`);
      return "refused";
    }
    this.accepted(outcome);
    return "later";
  }

  private wakeSender = (): void => this.sends.wake();

  private dispatch(command: AgentCommand): void {
    // A command the server handed out again before it had our result runs once.
    if (this.handled.has(command.command_id)) return;
    this.handled.add(command.command_id);
    if (this.handled.size > 1000) this.handled.delete(this.handled.values().next().value!);
    switch (command.type) {
      case "run_test":
        return this.runTest(command);
      case "stop":
        if (this.execution?.jobId === command.job_id) {
          this.execution.stop("cancelled");
          return this.respond(command.command_id, { ok: true, output: `stopping job ${command.job_id}` });
        }
        return this.respond(command.command_id, { ok: false, output: `job ${command.job_id} is not running on this agent` });
      case "check_docker":
        return this.inBackground(command.command_id, checkDocker);
      case "setup_engine":
        return this.inBackground(command.command_id, () => this.setupEngine(command.engine));
      case "cleanup_storage":
        return this.inBackground(command.command_id, () => this.cleanupStorage(command.model));
    }
  }

  private runTest(command: Extract<AgentCommand, { type: "run_test" }>): void {
    if (this.closed) return;
    if (this.execution) {
      const busy = `this agent is running job ${this.execution.jobId}; it runs one test at a time`;
      this.respond(command.command_id, { ok: false, output: busy });
      void this.spool.append({ kind: "finish", job_id: command.job_id, finish: { status: "failed", exit_code: null, error: busy, run_id: null } }).then(this.wakeSender);
      return;
    }
    const execution = JobExecution.start({
      jobId: command.job_id,
      request: command.request,
      modelDir: this.config.model_dir,
      share: configuredShare(this.config),
      autoCleanup: () => this.config.settings.auto_cleanup,
      modelsReady: this.storageWork,
      env: this.options.env,
      kittBin: this.options.kittBin,
      jobsDir: join(this.dir, "jobs"),
      spool: this.spool,
      state: this.state,
      onSpooled: this.wakeSender,
      stopGraceMs: this.options.stopGraceMs,
    });
    this.execution = execution;
    this.options.log(`running job ${command.job_id}: ${command.request.engine} on ${command.request.model ?? command.request.url ?? "?"}`);
    this.respond(command.command_id, { ok: true, output: `started job ${command.job_id}` });
    void execution.done.then((finish) => {
      if (this.execution === execution) this.execution = undefined;
      this.options.log(`job ${command.job_id} ${finish.status}${finish.error ? `: ${finish.error}` : ""}`);
      this.heartbeats.wake();
    });
  }

  /** After any cleanup still running; the next job's model waits for this one. */
  private cleanupStorage(model: string | undefined): Promise<CommandResult> {
    const execution = this.execution;
    const name = execution?.modelName;
    const running = execution && name !== undefined ? { jobId: execution.jobId, model: name } : undefined;
    const work = this.storageWork.then(() => cleanupStorage(this.config.model_dir, model, running));
    this.storageWork = work.catch(() => undefined);
    return work.finally(() => this.heartbeats.wake());
  }

  private respond(commandId: string, result: CommandResult): void {
    const output = (result.output ?? "").slice(-MAX_OUTPUT);
    void this.spool
      .append({ kind: "command_result", command_id: commandId, result: { ok: result.ok, output } })
      .then(this.wakeSender, (error: unknown) => this.problem(`cannot spool command ${commandId}'s result: ${describeError(error)}`));
  }

  private inBackground(commandId: string, work: () => Promise<CommandResult>): void {
    const task = work()
      .catch((error: unknown) => ({ ok: false, output: describeError(error) }))
      .then((result) => this.respond(commandId, result));
    this.background.add(task);
    void task.finally(() => this.background.delete(task));
  }

  /** `kitt engines setup ENGINE` as a child process, its output the result. */
  private async setupEngine(engine: string): Promise<CommandResult> {
    if (!(engineNames as string[]).includes(engine)) return { ok: false, output: `unknown engine ${engine}; known engines: ${engineNames.join(", ")}` };
    return runKitt(this.options.kittBin, ["engines", "setup", engine], { ...this.options.env, NO_COLOR: "1", FORCE_COLOR: "0" }, SETUP_TIMEOUT_MS);
  }

  /** `kitt agent test stop ID` leaves a file named for ID; the running job it names is stopped like a server's `stop`. */
  private async checkStopRequests(): Promise<void> {
    const dir = join(this.dir, "stop-requests");
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      await rm(join(dir, name), { force: true });
      const execution = this.execution;
      if (execution && stopRequestName(execution.jobId) === name) {
        this.options.log(`stopping job ${execution.jobId}, as asked on this machine`);
        execution.stop("cancelled");
      }
    }
  }
}

/** The file under `stop-requests/` that asks to stop job `jobId` (a digest: any id makes a safe name). */
export function stopRequestName(jobId: string): string {
  return createHash("sha256").update(jobId).digest("hex");
}

async function checkDocker(): Promise<CommandResult> {
  const result = await docker(["version", "--format", "client {{.Client.Version}}, server {{.Server.Version}}"], { timeoutMs: 15_000 });
  return { ok: result.exitCode === 0, output: (result.exitCode === 0 ? result.stdout : result.stderr || result.stdout).trim() };
}

function runKitt(bin: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-MAX_OUTPUT);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ ok: false, output: `cannot start kitt: ${error.message}` });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output: output.trim() });
    });
  });
}

/** `agent.pid`, refused while the agent it names still runs. */
async function takePidFile(dir: string): Promise<void> {
  const path = join(dir, "agent.pid");
  const recorded = await readFile(path, "utf8").catch(() => "");
  const [pid, startTime] = recorded.trim().split(" ");
  if (pid !== undefined && startTime !== undefined && Number(pid) !== process.pid && processStartTime(Number(pid)) === startTime) {
    throw new KittError("USAGE", `an agent already runs from ${dir} (pid ${pid}); 'kitt agent stop' stops it`);
  }
  await writeFile(path, `${process.pid} ${processStartTime(process.pid) ?? ""}\n`, { mode: 0o600 });
}

/** The pid of the agent running from `dir`, if one does. */
export async function runningAgentPid(dir: string): Promise<number | undefined> {
  const recorded = await readFile(join(dir, "agent.pid"), "utf8").catch(() => "");
  const [pid, startTime] = recorded.trim().split(" ");
  if (pid === undefined || startTime === undefined || startTime === "") return undefined;
  return processStartTime(Number(pid)) === startTime ? Number(pid) : undefined;
}
