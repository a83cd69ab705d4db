/** The built `kitt web` as a separate process for the speed scripts, optionally pinned to some CPUs. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

export interface WebProcess extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  pid: number;
}

/**
 * Starts `kitt web --port 0 --db DB` and resolves once it serves. `cpus` (e.g. "0") runs it
 * under `taskset -c`; `cpuProfileDir` has Node write its CPU profile there when it ends.
 * Disposing sends SIGINT and waits for it to end.
 */
export async function startWeb(options: { db: string; env: Record<string, string>; cpus?: string; cpuProfileDir?: string }): Promise<WebProcess> {
  const profile = options.cpuProfileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir];
  const argv = [process.execPath, ...profile, bin, "web", "--port", "0", "--db", options.db];
  const [command, ...args] = options.cpus === undefined ? argv : ["taskset", "-c", options.cpus, ...argv];
  const web = spawn(command!, args, { env: { ...process.env, ...options.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "inherit"] });
  const closed = new Promise((resolve) => web.once("close", resolve));
  const stop = async (): Promise<void> => {
    if (web.exitCode === null && web.signalCode === null) web.kill("SIGINT");
    await closed;
  };
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      web.stdout.setEncoding("utf8").on("data", (text: string) => {
        out += text;
        const match = /serving (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      web.once("error", reject);
      web.once("exit", (code) => reject(new Error(`kitt web exited (${code}) before serving`)));
    });
    return { base, pid: web.pid!, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
