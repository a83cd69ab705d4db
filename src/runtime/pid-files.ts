/**
 * Native engines run in their own process group, so they survive a `kill -9` of kitt.
 * Each one is recorded in `$KITT_HOME/run/<pid>.json` while it runs, which lets
 * `kitt engines cleanup` find and stop the ones a killed kitt left behind.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kittHome } from "../config/paths.js";

export interface PidRecord {
  pid: number;
  engine: string;
  command: string;
  started_at: string;
  kitt_pid: number;
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

/** Kills recorded engine process groups whose kitt is gone; returns what was stopped. */
export function killLeftoverProcesses(): PidRecord[] {
  let entries: string[];
  try {
    entries = readdirSync(runDir()).filter((name) => name.endsWith(".json"));
  } catch {
    return [];
  }
  const killed: PidRecord[] = [];
  for (const entry of entries) {
    const path = join(runDir(), entry);
    const record = readRecord(path);
    if (!record) {
      rmSync(path, { force: true });
      continue;
    }
    if (isAlive(record.kitt_pid)) continue;
    if (isAlive(record.pid) && commandOf(record.pid) === record.command) {
      try {
        process.kill(-record.pid, "SIGKILL");
        killed.push(record);
      } catch {
        // Gone in the meantime.
      }
    }
    rmSync(path, { force: true });
  }
  return killed;
}

function readRecord(path: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as PidRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** argv[0] of a running process (Linux), so a recycled pid is never killed by mistake. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
  } catch {
    return undefined;
  }
}
