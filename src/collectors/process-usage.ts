/**
 * One reading of an engine's CPU and memory: a native process with every process it forked
 * (`/proc/<pid>/stat` for CPU time and parentage, `/proc/<pid>/status` for resident memory),
 * or a container (`docker stats --no-stream`, which reads the container's cgroup).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { docker } from "../runtime/docker-cli.js";

export interface UsageReading {
  /** CPU seconds used so far (user + system), when the source counts them. */
  cpuSeconds?: number;
  /** CPU use the source measured itself (docker stats), 100 = one core. */
  cpuPercent?: number;
  rssBytes: number;
  processes: number;
}

export interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

/** `/proc/<pid>/stat`: fields after the command name, which may itself hold spaces and parentheses. */
export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // Field 4 (ppid) and fields 14, 15 (utime, stime) of proc(5), counted from the state field (3).
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ppid) && Number.isFinite(ticks) ? { pid, ppid, ticks } : undefined;
}

/** `VmRSS:  12345 kB` of `/proc/<pid>/status`, in bytes; 0 for a kernel thread or zombie. */
export function parseRssBytes(status: string): number {
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** Every process's stat line, by pid. */
export async function readProcessStats(procRoot = "/proc"): Promise<Map<number, ProcStat>> {
  const pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = new Map<number, ProcStat>();
  await Promise.all(
    pids.map(async (pid) => {
      const text = await readOrUndefined(join(procRoot, String(pid), "stat"));
      const stat = text === undefined ? undefined : parseProcStat(pid, text);
      if (stat) stats.set(pid, stat);
    }),
  );
  return stats;
}

/** The process and its descendants, root first; empty when the process is gone. */
export function processTree(rootPid: number, stats: ReadonlyMap<number, ProcStat>): number[] {
  if (!stats.has(rootPid)) return [];
  const children = new Map<number, number[]>();
  for (const stat of stats.values()) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  const tree: number[] = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The process and its descendants; undefined once the process is gone. */
export async function readProcessTree(rootPid: number, clockTicks: number, procRoot = "/proc"): Promise<UsageReading | undefined> {
  const stats = await readProcessStats(procRoot);
  const tree = processTree(rootPid, stats);
  if (tree.length === 0) return undefined;
  let ticks = 0;
  let rssBytes = 0;
  for (const pid of tree) {
    ticks += stats.get(pid)?.ticks ?? 0;
    const status = await readOrUndefined(join(procRoot, String(pid), "status"));
    if (status !== undefined) rssBytes += parseRssBytes(status);
  }
  return { cpuSeconds: ticks / clockTicks, rssBytes, processes: tree.length };
}

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };

/** "1.5GiB" → bytes; undefined when unreadable. */
export function parseSize(text: string): number | undefined {
  const match = /^([\d.]+)\s*([a-z]+)$/i.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : SIZE_UNITS[match[2].toUpperCase()];
  return match && unit !== undefined ? Number(match[1]) * unit : undefined;
}

/** One line of `docker stats --format '{{json .}}'`. */
export function parseDockerStats(line: string): UsageReading | undefined {
  let stats: Record<string, unknown>;
  try {
    stats = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const used = typeof stats.MemUsage === "string" ? parseSize(stats.MemUsage.split("/")[0] ?? "") : undefined;
  const cpu = typeof stats.CPUPerc === "string" ? Number.parseFloat(stats.CPUPerc) : Number.NaN;
  if (used === undefined || !Number.isFinite(cpu)) return undefined;
  return { cpuPercent: cpu, rssBytes: used, processes: Number.parseInt(String(stats.PIDs), 10) || 0 };
}

const DOCKER_STATS_TIMEOUT_MS = 5_000;

/** A container's reading; undefined when docker has none (the container is gone). */
export async function readContainer(name: string): Promise<UsageReading | undefined> {
  const result = await docker(["stats", "--no-stream", "--format", "{{json .}}", name], { timeoutMs: DOCKER_STATS_TIMEOUT_MS });
  return result.exitCode === 0 ? parseDockerStats(result.stdout.split("\n")[0] ?? "") : undefined;
}
