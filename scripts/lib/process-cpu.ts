/** How much CPU a process has used, for the benchmark scripts' side-by-side figures. */
import { readFileSync } from "node:fs";
import { parseProcStat } from "../../src/collectors/process-usage.js";

/** CPU seconds so far (user + system from /proc/<pid>/stat, in ticks of 1/100 s); null off Linux or once the process is gone. */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, "utf8"));
    return stat === undefined ? null : stat.ticks / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of this process's ended children that it has waited for (cutime + cstime of /proc/self/stat); null off Linux. */
export function endedChildrenCpuSeconds(): number | null {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
