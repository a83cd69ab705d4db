/**
 * Stand-ins for npm, cmake and a C++ compiler: small shell scripts put first on PATH, so the
 * setup code's orchestration (fetch, configure, build, install) runs offline in milliseconds.
 * Each appends its arguments to `calls.log`.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeTools {
  dir: string;
  binDir: string;
  /** process.env with the fakes first on PATH and the cache in `dir/cache`. */
  env: NodeJS.ProcessEnv;
  calls(): string[];
}

export function fakeTools(scripts: Record<string, string>): FakeTools {
  const dir = mkdtempSync(join(tmpdir(), "kitt-fake-tools-"));
  const binDir = join(dir, "bin");
  const log = join(dir, "calls.log");
  mkdirSync(binDir);
  writeFileSync(log, "");
  for (const [name, body] of Object.entries(scripts)) {
    const path = join(binDir, name);
    writeFileSync(path, `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`);
    chmodSync(path, 0o755);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}`, KITT_CACHE_DIR: join(dir, "cache") };
  delete env.CXX;
  return {
    dir,
    binDir,
    env,
    calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean),
  };
}
