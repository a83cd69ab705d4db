/** The built kitt CLI as a child process, for scripts that drive it as a user would. */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KittChild {
  child: ChildProcess;
  exited: Promise<Exit>;
  stderr(): string;
  /** Resolves when stderr matches `pattern`; rejects if kitt exits first. */
  waitFor(pattern: RegExp): Promise<void>;
}

export function startKitt(bin: string, args: string[], env: Record<string, string>): KittChild {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const listeners = new Set<() => void>();
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    err += text;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(err)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then(() => reject(new Error(`kitt exited before ${pattern}`)));
      }),
  };
}

export async function runKitt(bin: string, args: string[], env: Record<string, string>): Promise<{ exit: Exit; stderr: string }> {
  const kitt = startKitt(bin, args, env);
  const exit = await kitt.exited;
  return { exit, stderr: kitt.stderr() };
}

/** Running processes (zombies aside) whose command line names any of `names`, e.g. `docker logs -f CONTAINER`. */
export function kittProcessesNaming(names: readonly string[]): Array<{ pid: number; command: string }> {
  if (names.length === 0) return [];
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (argv.some((arg) => names.some((name) => arg.includes(name)))) found.push({ pid: Number(entry), command: argv.join(" ") });
    } catch {
      // Ended while we looked.
    }
  }
  return found;
}
