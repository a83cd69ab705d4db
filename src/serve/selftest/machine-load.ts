/**
 * How busy the machine was with work other than the self-test's client and server, so a run
 * disturbed by other programs (or, in a virtual machine, by the host taking CPU time: "steal")
 * says so. Linux only (`/proc/stat`); elsewhere the figure is null.
 */
import { readFileSync } from "node:fs";

/** `/proc/stat` counts in clock ticks of 1/100 s on every Linux architecture kitt runs on. */
const MS_PER_TICK = 10;

/** CPU time all cores spent busy or stolen since boot, ms; null where `/proc/stat` cannot be read. */
export function machineBusyMs(): number | null {
  const times = machineCpuMs();
  return times === null ? null : times.busy + times.steal;
}

/** All cores' CPU time since boot, ms: busy (user, nice, system, interrupts), taken by the host (steal), and in all. */
export function machineCpuMs(): { busy: number; steal: number; total: number } | null {
  let line: string | undefined;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const ticks = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  if (ticks.length < 8 || ticks.some((tick) => !Number.isFinite(tick))) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks;
  const busy = (user + nice + system + irq + softirq) * MS_PER_TICK;
  return { busy, steal: steal * MS_PER_TICK, total: busy + (idle + iowait + steal) * MS_PER_TICK };
}
