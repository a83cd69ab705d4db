/**
 * Keeping a benchmark's parts on separate cores (Linux `taskset`), so that one part's CPU does
 * not show up as another's slowness on a small machine.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { processTree, readProcessStats } from "../../src/collectors/process-usage.js";

/** Whether processes can be pinned here: Linux, two cores or more, `taskset` present. */
export function canPin(): boolean {
  if (process.platform !== "linux" || availableParallelism() < 2) return false;
  return spawnSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" }).status === 0;
}

/** Every core but the first, as a `taskset` list (read it before pinning this process: it counts the cores this process may use). */
export function coresAfterFirst(): string {
  return `1-${availableParallelism() - 1}`;
}

/** Puts a process (every thread of it) on `cores`; false when it is gone or cannot be moved. */
export function pin(pid: number, cores: string): boolean {
  return spawnSync("taskset", ["-a", "-p", "-c", cores, String(pid)], { stdio: "ignore" }).status === 0;
}

/** Keeps every descendant of `rootPid` on `cores` until disposed: a new one is moved within `everyMs`. */
export function pinDescendants(rootPid: number, cores: string, everyMs = 100): AsyncDisposable {
  const moved = new Set<number>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const pid of processTree(rootPid, await readProcessStats()).slice(1)) {
        if (!moved.has(pid) && pin(pid, cores)) moved.add(pid);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    [Symbol.asyncDispose]: async () => {
      stopped = true;
      await loop;
    },
  };
}
