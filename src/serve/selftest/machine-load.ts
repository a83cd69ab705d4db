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
  let line: string | undefined;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const ticks = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  if (ticks.length < 8 || ticks.some((tick) => !Number.isFinite(tick))) return null;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) * MS_PER_TICK;
}
