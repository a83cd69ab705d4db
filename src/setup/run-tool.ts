/**
 * Runs the external tools a setup step needs (npm, tar, git, cmake). A failure becomes a
 * BUILD_FAILED KittError that quotes the tool's last output lines; a tool that is not
 * installed at all becomes NOT_FOUND.
 */
import { execa } from "execa";
import { KittError } from "../errors.js";

export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Names the step in error messages, e.g. "cloning the llama.cpp bundle". */
  what: string;
  /** Called with each output line (stdout and stderr interleaved) as it arrives. */
  onLine?: (line: string) => void;
}

const TAIL_LINES = 30;

/** Runs `command args…` to completion and returns its stdout (trimmed). */
export async function runTool(command: string, args: readonly string[], options: ToolOptions): Promise<string> {
  const subprocess = execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    all: true,
    reject: false,
    stripFinalNewline: true,
  });
  const tail: string[] = [];
  try {
    for await (const line of subprocess.iterable({ from: "all" })) {
      options.onLine?.(line);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  } catch {
    // The iterable fails when the process could not start; `await subprocess` says why.
  }
  const result = await subprocess;
  if (result.exitCode === undefined) {
    const missing = (result as { code?: string }).code === "ENOENT";
    throw new KittError(
      missing ? "NOT_FOUND" : "BUILD_FAILED",
      missing ? `'${command}' is not installed (needed for ${options.what})` : `${options.what} failed: ${result.shortMessage}`,
      { cause: result },
    );
  }
  if (result.exitCode !== 0) {
    const lastLine = tail.findLast((line) => line.trim() !== "") ?? "no output";
    throw new KittError("BUILD_FAILED", `${options.what} failed (exit code ${result.exitCode}): ${lastLine.trim()}`, {
      details: tail,
    });
  }
  return String(result.stdout).trim();
}
