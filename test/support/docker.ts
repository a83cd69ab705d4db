/** Docker for tests: what kitt left behind, and which images exist. */
import { execFileSync } from "node:child_process";

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

/** Waits until a kitt container is running and returns its name. */
export async function waitForKittContainer(timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = execFileSync("docker", ["ps", "--filter", "label=kitt.managed=true", "--format", "{{.Names}}"], { encoding: "utf8" });
    const name = out.split("\n").map((line) => line.trim()).find(Boolean);
    if (name) return name;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no kitt container appeared");
}
