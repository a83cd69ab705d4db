/** Docker for tests: what kitt left behind, which images exist, and docker wrappers for KITT_DOCKER. */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Names of kitt's containers (running or not) started by the kitt process `ownerPid`. */
export function containersOf(ownerPid: number): string[] {
  return containerNames(["--filter", "label=kitt.managed=true", "--filter", `label=kitt.owner.pid=${ownerPid}`]);
}

function containerNames(filters: string[], all = true): string[] {
  const out = execFileSync("docker", ["ps", ...(all ? ["-a"] : []), ...filters, "--format", "{{.Names}}"], { encoding: "utf8" });
  return out.split("\n").map((line) => line.trim()).filter(Boolean);
}

export function imageExists(image: string): boolean {
  try {
    execFileSync("docker", ["image", "inspect", image], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Waits until a running kitt container appears (started by `ownerPid`, when given) and returns its name. */
export async function waitForKittContainer(timeoutMs = 60_000, ownerPid?: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const owner = ownerPid === undefined ? [] : ["--filter", `label=kitt.owner.pid=${ownerPid}`];
  while (Date.now() < deadline) {
    const name = containerNames(["--filter", "label=kitt.managed=true", ...owner], false)[0];
    if (name) return name;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no kitt container appeared");
}

/** Polls until `ownerPid` has no container left; returns what is left after `timeoutMs`. */
export async function waitForNoContainersOf(ownerPid: number, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = containersOf(ownerPid);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Removes the containers a test's kitt processes may have left (after a failed assertion). */
export function removeContainersOf(ownerPids: Iterable<number>): void {
  const left = [...ownerPids].flatMap(containersOf);
  if (left.length > 0) execFileSync("docker", ["rm", "-f", ...left], { stdio: "ignore" });
}

export interface HoldingDocker {
  /** The wrapper, for KITT_DOCKER. */
  path: string;
  /** Resolves once the held command has begun. */
  held(): Promise<void>;
}

/**
 * A docker wrapper that holds the first command whose arguments start with `hold` (e.g.
 * `image inspect`, `run`, `stop`) for `seconds` before running it, so that a test can signal
 * kitt while it is inside that phase.
 */
export function holdingDocker(hold: string, seconds = 5): HoldingDocker {
  const dir = mkdtempSync(join(tmpdir(), "kitt-docker-hold-"));
  const marker = join(dir, "held");
  const path = join(dir, "docker");
  writeFileSync(
    path,
    `#!/bin/sh\ncase "$*" in '${hold}'*) if [ ! -e '${marker}' ]; then touch '${marker}'; sleep ${seconds}; fi;; esac\nexec docker "$@"\n`,
  );
  chmodSync(path, 0o755);
  return {
    path,
    async held() {
      while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}

/**
 * A docker wrapper that confines kitt to the containers of one test, so that `kitt engines
 * cleanup` (even `--all`) in a test never sees containers of other runs on the machine: every
 * `docker run` gets the test's label, and `docker ps` lists only containers carrying it.
 */
export function scopedDocker(): { path: string; label: string } {
  const dir = mkdtempSync(join(tmpdir(), "kitt-docker-scope-"));
  const label = `kitt.test.scope=${dir.split("-").at(-1)}`;
  const path = join(dir, "docker");
  writeFileSync(
    path,
    `#!/bin/sh\ncase "$1" in\n  run) shift; exec docker run --label '${label}' "$@";;\n  ps) shift; exec docker ps --filter 'label=${label}' "$@";;\nesac\nexec docker "$@"\n`,
  );
  chmodSync(path, 0o755);
  return { path, label };
}
