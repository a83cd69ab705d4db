/**
 * Docker for tests: whether a daemon answers, and what kitt left running. Tests that need
 * Docker skip without it on a user's machine, and fail in CI (CI=true).
 */
import { execFileSync } from "node:child_process";

export function dockerAvailable(): boolean {
  try {
    execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** True when Docker tests should be skipped; throws in CI, where they must run. */
export function skipWithoutDocker(): boolean {
  if (dockerAvailable()) return false;
  if (process.env.CI === "true") throw new Error("Docker tests are required in CI but no Docker daemon answers (start dockerd)");
  console.warn("skipping Docker tests: no Docker daemon answers");
  return true;
}

/** Names of containers (running or not) carrying kitt's label. */
export function kittContainers(): string[] {
  const out = execFileSync("docker", ["ps", "-a", "--filter", "label=kitt.managed=true", "--format", "{{.Names}}"], {
    encoding: "utf8",
  });
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
