/** Starts `writer-process.ts` as a separate Node process (with tsx, since it is TypeScript). */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tsxLoaderUrl } from "../../src/serve/workers/tsx-loader.js";

const script = fileURLToPath(new URL("./writer-process.ts", import.meta.url));

export function startWriter(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", tsxLoaderUrl(), script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })));
}

/** Resolves once the child has printed a line matching `pattern`. */
export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = buffer.split("\n").find((line) => pattern.test(line));
      if (match) resolve(match);
    });
    child.on("exit", () => reject(new Error(`writer exited before printing ${pattern}`)));
  });
}
