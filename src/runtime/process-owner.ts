/**
 * Who owns a container or an engine process: a kitt process, recorded so that another kitt can
 * tell for sure whether it is gone. A pid alone cannot: pids are reused, and the same pid on
 * another host (or in another pid namespace, e.g. a kitt inside a container) is another process.
 * So an owner is its pid, its start time (clock ticks since boot, /proc/<pid>/stat), the
 * kernel's boot id and the pid namespace. Only an owner recorded on this boot and in this pid
 * namespace can be checked; anything else is left to the person running cleanup.
 */
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

export interface ProcessOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
  startTime: string;
  /** /proc/sys/kernel/random/boot_id: changes with every boot, differs between hosts. */
  bootId: string;
  /** The pid namespace's inode (/proc/self/ns/pid), which a pid is only meaningful in. */
  pidNamespace: string;
  /** For people reading a listing; never used to decide. */
  host: string;
}

/**
 * - `alive`: running here;
 * - `gone`: provably gone — same boot and pid namespace, and the pid is free, a zombie, or
 *   another process (a different start time);
 * - `elsewhere`: recorded on another host, before a reboot, or in another pid namespace;
 * - `unknown`: not recorded (an older kitt), or this host cannot tell (no /proc).
 */
export type OwnerState = "alive" | "gone" | "elsewhere" | "unknown";

let self: ProcessOwner | null | undefined;

/** This kitt process as an owner; undefined where /proc cannot say (not Linux). */
export function currentOwner(): ProcessOwner | undefined {
  if (self === undefined) {
    const startTime = processStartTime(process.pid);
    const bootId = readText("/proc/sys/kernel/random/boot_id");
    const pidNamespace = pidNamespaceId();
    self = startTime && bootId && pidNamespace ? { pid: process.pid, startTime, bootId, pidNamespace, host: hostname() } : null;
  }
  return self ?? undefined;
}

export function ownerState(owner: Partial<ProcessOwner> | undefined): OwnerState {
  const here = currentOwner();
  if (!here || !owner?.pid || !owner.startTime || !owner.bootId || !owner.pidNamespace) return "unknown";
  if (owner.bootId !== here.bootId || owner.pidNamespace !== here.pidNamespace) return "elsewhere";
  return processStartTime(owner.pid) === owner.startTime ? "alive" : "gone";
}

/** Field 22 of /proc/<pid>/stat, or undefined when the pid is free or a zombie. */
export function processStartTime(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) may hold spaces and parentheses: fields after it follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z") return undefined;
  return fields[19];
}

/** "4026531836" from `pid:[4026531836]`. */
function pidNamespaceId(): string | undefined {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
