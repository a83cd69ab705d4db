/**
 * Native engines run in their own process group, so they survive a `kill -9` of kitt.
 * Each one is recorded in `$KITT_HOME/run/<pid>.json` while it runs, with its own start time
 * and its kitt's identity (process-owner.ts), which lets `kitt engines cleanup` stop the ones a
 * killed kitt left behind — and only those: never the engine of a kitt still running, never a
 * process that merely reuses a recorded pid.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kittHome } from "../config/paths.js";
import { ownerState, processStartTime, type OwnerState, type ProcessOwner } from "./process-owner.js";

export interface PidRecord {
  pid: number;
  engine: string;
  command: string;
  started_at: string;
  /** The engine process's start time (process-owner.ts); absent in records of older kitt versions. */
  start_time?: string;
  kitt_pid: number;
  /** The kitt process that started it; absent in older records and where /proc cannot tell. */
  owner?: ProcessOwner;
}

export interface ProcessCleanup {
  stopped: PidRecord[];
  /** Left alone: their kitt is alive, elsewhere or unknown. */
  kept: Array<PidRecord & { state: OwnerState }>;
}

function runDir(): string {
  return join(kittHome(), "run");
}

export function writePidRecord(record: PidRecord): void {
  mkdirSync(runDir(), { recursive: true });
  writeFileSync(join(runDir(), `${record.pid}.json`), JSON.stringify(record));
}

export function removePidRecord(pid: number): void {
  rmSync(join(runDir(), `${pid}.json`), { force: true });
}

/** Kills recorded engine process groups whose kitt is provably gone (every one with `all`). */
export function killLeftoverProcesses(options: { all?: boolean } = {}): ProcessCleanup {
  let entries: string[];
  try {
    entries = readdirSync(runDir()).filter((name) => name.endsWith(".json"));
  } catch {
    return { stopped: [], kept: [] };
  }
  const cleanup: ProcessCleanup = { stopped: [], kept: [] };
  for (const entry of entries) {
    const path = join(runDir(), entry);
    const record = readRecord(path);
    if (!record) {
      rmSync(path, { force: true });
      continue;
    }
    const state = ownerState(record.owner);
    if (state !== "gone" && !options.all) {
      cleanup.kept.push({ ...record, state });
      continue;
    }
    if (isSameProcess(record, state)) {
      try {
        process.kill(-record.pid, "SIGKILL");
        cleanup.stopped.push(record);
      } catch {
        // Gone in the meantime.
      }
    }
    rmSync(path, { force: true });
  }
  return cleanup;
}

/** Whether the recorded pid is still the engine kitt started, not a process that reuses its pid. */
function isSameProcess(record: PidRecord, state: OwnerState): boolean {
  // A start time is only comparable on the boot and in the pid namespace it was read in.
  if (record.start_time) return (state === "alive" || state === "gone") && processStartTime(record.pid) === record.start_time;
  // Older records: the command it was started with.
  return processStartTime(record.pid) !== undefined && commandOf(record.pid) === record.command;
}

function readRecord(path: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PidRecord;
  } catch {
    return undefined;
  }
}

/** argv[0] of a running process (Linux). */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
  } catch {
    return undefined;
  }
}
