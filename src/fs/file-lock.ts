/**
 * A lock file (created exclusively, holding the owner's pid and host) so two kitt processes
 * never do the same long work at once (a build, a download into the same cache file). A lock
 * left by a process that died on this host is taken over.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { KittError, type ErrorCode } from "../errors.js";

interface LockOwner {
  pid: number;
  host: string;
}

export interface LockOptions {
  /** What the lock guards, for the timeout message: "a llama.cpp build". */
  guards: string;
  /** The error a wait that timed out is reported as. */
  timeoutCode: ErrorCode;
  /** Called once when the lock is held by another process and we start waiting. */
  onWait?: (owner: LockOwner) => void;
  timeoutMs?: number;
  pollMs?: number;
  /** Stops the wait (Ctrl+C); the lock is not taken. */
  signal?: AbortSignal;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockOwner;
  } catch {
    return undefined; // gone, or being written right now
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname() }), { flag: "wx" });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

export async function withFileLock<T>(path: string, work: () => Promise<T>, options: LockOptions): Promise<T> {
  const { timeoutMs = 60 * 60_000, pollMs = 1000 } = options;
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  while (!(await tryCreate(path))) {
    const owner = await readOwner(path);
    if (owner && owner.host === hostname() && !isAlive(owner.pid)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new KittError(
        options.timeoutCode,
        `timed out waiting for lock ${path}, which guards ${options.guards} (held by pid ${owner?.pid ?? "?"} on ${owner?.host ?? "?"}); remove it if that is no longer running`,
      );
    }
    if (owner && !announced) {
      announced = true;
      options.onWait?.(owner);
    }
    try {
      await sleep(pollMs, undefined, { signal: options.signal });
    } catch (error) {
      throw options.signal?.reason ?? error;
    }
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
