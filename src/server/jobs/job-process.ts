/**
 * One job's `kitt run`, as a child process of the server so that a crash in the run cannot take
 * the server down. It has its own process group (Ctrl+C at the server's terminal reaches the
 * server, which stops it once), an IPC channel for the run id and progress, and its output read
 * line by line. Stopping it is Ctrl+C: SIGINT, then SIGTERM (kitt's forced exit, which still
 * removes engines) and SIGKILL if it will not end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { constants } from "node:os";

/** A line longer than this is cut: a run never prints one, and memory stays bounded if it did. */
export const MAX_LINE_CHARS = 4096;

export interface JobProcessOptions {
  /** The built CLI, `dist/cli/bin.js`. */
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Every line goes here too, whatever the viewers keep. */
  logPath: string;
  onLine(stream: "stdout" | "stderr", line: string): void;
  onMessage(message: unknown): void;
}

export interface JobExit {
  /** The exit status, or 128 + the signal's number. */
  code: number;
  signal: NodeJS.Signals | null;
}

export class JobProcess {
  /** Resolves once the process ended and its output was read. */
  readonly exited: Promise<JobExit>;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
    options: JobProcessOptions,
  ) {
    let logFailed = false;
    // A log file that cannot be written (disk full, folder removed) loses the file, not the job or the server.
    log.on("error", (error) => {
      if (!logFailed) options.onLine("stderr", `kitt web: cannot write the job's log ${options.logPath}: ${error.message}`);
      logFailed = true;
    });
    const lines = (stream: "stdout" | "stderr") => (line: string) => {
      if (!logFailed && log.writable) log.write(`${line}\n`);
      options.onLine(stream, line);
    };
    readLines(child.stdout!, lines("stdout"));
    readLines(child.stderr!, lines("stderr"));
    child.on("message", (message) => options.onMessage(message));
    this.exited = new Promise<JobExit>((resolve) => {
      let finished = false;
      const finish = (code: number, signal: NodeJS.Signals | null): void => {
        if (finished) return;
        finished = true;
        if (logFailed || !log.writable) resolve({ code, signal });
        else log.end(() => resolve({ code, signal }));
      };
      child.once("error", (error) => {
        lines("stderr")(`kitt web: cannot start kitt run: ${error.message}`);
        finish(127, null);
      });
      child.once("close", (code, signal) => finish(code ?? 128 + (signal ? constants.signals[signal] : 0), signal));
    });
  }

  static start(options: JobProcessOptions): JobProcess {
    const log = createWriteStream(options.logPath, { flags: "a", mode: 0o600 });
    const child = spawn(process.execPath, [options.bin, ...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      detached: true,
    });
    return new JobProcess(child, log, options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Ctrl+C, then SIGTERM after `graceMs`, then SIGKILL to its process group after `graceMs` more; resolves once it ended. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
        if (this.ended) break;
        this.signal(signal);
        if (await this.endsWithin(signal === "SIGKILL" ? 10_000 : graceMs)) break;
      }
      await this.exited;
    })();
    return this.stopping;
  }

  private get ended(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      // SIGKILL takes the whole group: whatever kitt started that is still in it goes too.
      if (signal === "SIGKILL") process.kill(-pid, signal);
      else this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  private async endsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const ended = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return ended;
  }
}

/** Calls `onLine` for each line of `stream` (a trailing line without newline included), cutting overlong ones. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, newline).replace(/\r$/, "").slice(0, MAX_LINE_CHARS));
      pending = pending.slice(newline + 1);
    }
    if (pending.length > MAX_LINE_CHARS) {
      onLine(pending.slice(0, MAX_LINE_CHARS));
      pending = "";
    }
  });
  stream.on("end", () => {
    if (pending !== "") onLine(pending.slice(0, MAX_LINE_CHARS));
  });
}
