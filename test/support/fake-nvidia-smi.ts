/**
 * A stand-in `nvidia-smi` for tests on machines without a GPU: first on PATH, it replays
 * recorded `--query-gpu … -lms N` output (test/fixtures/nvidia-smi) one interval at a time.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nvidiaSmiFixture } from "../hardware/recorded-host.js";

export interface FakeNvidiaSmi {
  /** Where the stand-in lives; the caller removes it. */
  dir: string;
  /** The environment with the stand-in first on PATH. */
  env: NodeJS.ProcessEnv;
  /** The fake's pid and arguments, once it has started. */
  started(): { pid: number; args: string[] } | undefined;
}

/**
 * It prints one interval's lines every `-lms` ms from `ticks`, then either repeats the last
 * interval (like the real tool) or falls silent, or prints `failWith` and exits with `exitCode`.
 */
export function fakeNvidiaSmi(options: { ticks?: string[][]; repeatLast?: boolean; failWith?: string; exitCode?: number }): FakeNvidiaSmi {
  const dir = mkdtempSync(join(tmpdir(), "kitt-nvidia-smi-"));
  const stateFile = join(dir, "started.json");
  const script = `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(stateFile)}, JSON.stringify({ pid: process.pid, args }));
const failWith = ${JSON.stringify(options.failWith ?? null)};
if (failWith !== null) { process.stdout.write(failWith); process.exit(${options.exitCode ?? 0}); }
const ticks = ${JSON.stringify(options.ticks ?? [])};
const interval = Number(args[args.indexOf("-lms") + 1]) || 100;
let next = 0;
setInterval(() => {
  if (next < ticks.length) process.stdout.write(ticks[next++].join("\\n") + "\\n");
  else if (${Boolean(options.repeatLast)} && ticks.length > 0) process.stdout.write(ticks[ticks.length - 1].join("\\n") + "\\n");
}, interval);
`;
  const file = join(dir, "nvidia-smi");
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  const fake: FakeNvidiaSmi = {
    dir,
    env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` },
    started: () => {
      try {
        return JSON.parse(readFileSync(stateFile, "utf8")) as { pid: number; args: string[] };
      } catch {
        return undefined;
      }
    },
  };
  return fake;
}

/** Recorded stream lines grouped into intervals (a GPU index repeating starts the next one). */
export function ticksOf(fixture: string): string[][] {
  const ticks: string[][] = [];
  for (const line of nvidiaSmiFixture(fixture).split("\n").filter(Boolean)) {
    const gpu = line.split(",")[0];
    const last = ticks[ticks.length - 1];
    if (!last || last.some((seen) => seen.split(",")[0] === gpu)) ticks.push([line]);
    else last.push(line);
  }
  return ticks;
}
