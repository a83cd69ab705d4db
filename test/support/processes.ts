/** Engine processes still running, found through /proc (zombies awaiting a reaper do not count). */
import { readdirSync, readFileSync } from "node:fs";

export function runningProcesses(matches: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (matches(argv)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** llama-server processes listening on `port` (by their command line). */
export function llamaServersOnPort(port: number): number[] {
  return runningProcesses((argv) => (argv[0] ?? "").endsWith("llama-server") && argv.includes(String(port)));
}
