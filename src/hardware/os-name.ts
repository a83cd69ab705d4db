/** The operating system's human name: PRETTY_NAME on Linux, sw_vers on macOS. */
import { probeOutput } from "./command-runner.js";
import type { HostProbe } from "./host-probe.js";

export function parseOsReleasePrettyName(text: string): string | undefined {
  const match = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!match?.[1]) return undefined;
  const value = match[1].trim().replace(/^(["'])(.*)\1$/, "$2");
  return value || undefined;
}

export async function probeOsName(host: HostProbe): Promise<string | undefined> {
  if (host.platform === "darwin") {
    const version = (await probeOutput(host.run, "sw_vers", ["-productVersion"]))?.trim();
    return version ? `macOS ${version}` : "macOS";
  }
  if (host.platform !== "linux") return undefined;
  const text = (await host.readFile("/etc/os-release")) ?? (await host.readFile("/usr/lib/os-release"));
  return text === undefined ? undefined : parseOsReleasePrettyName(text);
}
