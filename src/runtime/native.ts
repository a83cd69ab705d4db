/**
 * Runs an engine's server binary as a child process in its own process group, so that
 * stopping it also stops anything it spawned (Python engines fork workers).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { KittError } from "../errors.js";
import { removePidRecord, writePidRecord } from "./pid-files.js";
import { currentOwner, processStartTime } from "./process-owner.js";
import { ProcessBase } from "./process-base.js";

/** The command line that starts an engine natively, as its spec builds it. */
export interface NativeCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface NativeProcessOptions {
  engineName: string;
  command: NativeCommand;
  /** Grace period between SIGTERM and SIGKILL. */
  stopTimeoutMs?: number;
}

export class NativeProcess extends ProcessBase {
  readonly kind = "native" as const;
  #child: ChildProcess | undefined;

  constructor(private readonly options: NativeProcessOptions) {
    super();
  }

  get label(): string {
    return this.#child?.pid ? `pid ${this.#child.pid}` : this.options.command.command;
  }

  /** Process-group id, for signalling the whole tree. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async launch(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#child || this.isStopping) throw new Error("NativeProcess.launch called twice");
    const { command, args, env } = this.options.command;
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    this.#child = child;
    child.stdout?.setEncoding("utf8").on("data", (text: string) => this.logs.write(text));
    child.stderr?.setEncoding("utf8").on("data", (text: string) => this.logs.write(text));
    child.on("exit", (code, exitSignal) => this.markExited({ code, signal: exitSignal }));
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", (error: NodeJS.ErrnoException) => {
        this.markExited({ code: null, signal: null });
        const reason = error.code === "ENOENT" ? "not found" : error.message;
        reject(new KittError("ENGINE_START_FAILED", `cannot start ${this.options.engineName}: '${command}' ${reason}`));
      });
    });
    registerForExit(this);
    if (child.pid) {
      writePidRecord({
        pid: child.pid,
        engine: this.options.engineName,
        command,
        started_at: new Date().toISOString(),
        start_time: processStartTime(child.pid),
        kitt_pid: process.pid,
        owner: currentOwner(),
      });
    }
  }

  protected async release(): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return unregisterForExit(this);
    if (this.hasExited) {
      removePidRecord(child.pid);
      return unregisterForExit(this);
    }
    signalGroup(child.pid, "SIGTERM");
    const timeout = this.options.stopTimeoutMs ?? 10_000;
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeout).unref());
    if ((await Promise.race([this.exited, timer])) === "timeout") {
      signalGroup(child.pid, "SIGKILL");
      await this.exited;
    }
    // The leader has exited; make sure no worker it forked survives.
    signalGroup(child.pid, "SIGKILL");
    removePidRecord(child.pid);
    unregisterForExit(this);
  }

  /** Last resort at process exit: kill the group synchronously. */
  killNow(): void {
    if (this.#child?.pid && !this.hasExited) signalGroup(this.#child.pid, "SIGKILL");
  }

  abandon(): void {
    const pid = this.#child?.pid;
    if (!pid) return;
    // The leader may be gone already while a worker it forked lives on: signal the group anyway.
    signalGroup(pid, "SIGKILL");
    removePidRecord(pid);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

// If kitt exits without stopping an engine (an uncaught crash), no engine process may outlive it.
const live = new Set<NativeProcess>();
let exitHookInstalled = false;

function registerForExit(engine: NativeProcess): void {
  live.add(engine);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const proc of live) proc.killNow();
  });
}

function unregisterForExit(engine: NativeProcess): void {
  live.delete(engine);
}
