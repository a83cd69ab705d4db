/**
 * Runs the built kitt CLI (`dist/cli/bin.js`) as a child process, as a user would, with
 * its own KITT_HOME so tests never touch the user's results.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const kittBin = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

export interface KittRun {
  child: ChildProcess;
  /** Resolves with the exit code (or 128+n for a signal) and everything printed. */
  done: Promise<{ code: number; stdout: string; stderr: string }>;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr or stdout matches, rejects if kitt exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export function tempKittHome(): string {
  return mkdtempSync(join(tmpdir(), "kitt-home-"));
}

/** `input`: what kitt reads on stdin (nothing, as from /dev/null, without it). */
export function startKitt(args: string[], env: Record<string, string | undefined> = {}, cwd?: string, input?: string): KittRun {
  return startProgram(process.execPath, [kittBin, ...args], env, cwd, input);
}

/** Any program run like `startKitt` runs kitt (an installed copy of kitt, a script). */
export function startProgram(command: string, args: string[], env: Record<string, string | undefined> = {}, cwd?: string, input?: string): KittRun {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  child.stdin?.end(input);
  let out = "";
  let err = "";
  const waiters: Array<() => void> = [];
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    out += text;
    waiters.forEach((check) => check());
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    err += text;
    waiters.forEach((check) => check());
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code, signal) => {
      waiters.forEach((check) => check());
      resolve({ code: code ?? 128 + (signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : 2), stdout: out, stderr: err });
    });
  });
  return {
    child,
    done,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${err}`)), timeoutMs);
        const check = (): void => {
          const match = pattern.exec(out + err);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before ${pattern}; stderr:\n${err}`));
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

export async function runKitt(args: string[], env: Record<string, string | undefined> = {}, cwd?: string, input?: string) {
  return startKitt(args, env, cwd, input).done;
}
