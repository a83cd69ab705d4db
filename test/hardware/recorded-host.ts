/**
 * Test helpers that present a recorded machine: fixture files and a command runner that
 * answers known command lines with recorded output and anything else with "not found".
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CommandResult, CommandRunner } from "../../src/hardware/command-runner.js";

export const NVIDIA_SMI_FIXTURES = fileURLToPath(new URL("../fixtures/nvidia-smi/", import.meta.url));

export function nvidiaSmiFixture(name: string): string {
  return readFileSync(`${NVIDIA_SMI_FIXTURES}${name}`, "utf8");
}

export function succeeded(stdout: string): CommandResult {
  return { stdout, exitCode: 0 };
}

export function exited(exitCode: number, stdout: string): CommandResult {
  return { stdout, exitCode, failure: `exit code ${exitCode}` };
}

/** Answers `file args…` command lines from `answers`; records every call. */
export function recordedRunner(answers: Record<string, CommandResult>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run: CommandRunner = async (file, args) => {
    const line = [file, ...args].join(" ");
    calls.push(line);
    return answers[line] ?? { stdout: "", failure: "not found" };
  };
  return Object.assign(run, { calls });
}
