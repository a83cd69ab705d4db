/**
 * Where the machine's CPU went during one measurement of a speed script: the server process,
 * this script (the load client), everything else, and the host ("steal": on a virtual machine
 * the time the host took, which slows server and client alike). Linux only; null elsewhere.
 */
import { machineCpuMs } from "../../src/serve/selftest/machine-load.js";
import { processCpuSeconds } from "./process-cpu.js";

/** Percentages of one core over the window, except `steal`: a share of the whole machine's time. */
export interface CpuUse {
  server: number | null;
  client: number;
  /** Everything else that ran: other programs, a PostgreSQL server. */
  others: number | null;
  steal: number | null;
}

/** Starts a window now; `end()` says how the CPU was used since. */
export function cpuWindow(serverPid?: number): { end(): CpuUse } {
  const started = performance.now();
  const machine = machineCpuMs();
  const server = processCpuSeconds(serverPid);
  const client = process.cpuUsage();
  return {
    end() {
      const wallMs = Math.max(1, performance.now() - started);
      const machineNow = machineCpuMs();
      const serverNow = processCpuSeconds(serverPid);
      const own = process.cpuUsage(client);
      const clientMs = (own.user + own.system) / 1000;
      const serverMs = server === null || serverNow === null ? null : (serverNow - server) * 1000;
      const busyMs = machine === null || machineNow === null ? null : machineNow.busy - machine.busy;
      const percent = (ms: number) => (ms / wallMs) * 100;
      return {
        server: serverMs === null ? null : percent(serverMs),
        client: percent(clientMs),
        others: busyMs === null ? null : percent(Math.max(0, busyMs - clientMs - (serverMs ?? 0))),
        steal: machine === null || machineNow === null ? null : ((machineNow.steal - machine.steal) / Math.max(1, machineNow.total - machine.total)) * 100,
      };
    },
  };
}
