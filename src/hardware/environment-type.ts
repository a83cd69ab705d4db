/**
 * Where kitt runs, because it changes what the numbers mean: a DGX Spark shares memory between
 * CPU and GPU, WSL2 and containers see virtualised hardware. First match wins, in this order.
 */
import type { HostProbe } from "./host-probe.js";

export type EnvironmentType =
  | "dgx_spark"
  | "dgx"
  | "wsl2"
  | "docker"
  | "container"
  | "native_linux"
  | "native_macos"
  | "native_windows"
  | "unknown";

export interface EnvironmentFacts {
  platform: NodeJS.Platform;
  gpuNames: readonly string[];
  /** Contents of /etc/dgx-release (DGX OS), when present. */
  dgxRelease?: string;
  procVersion?: string;
  hasDockerenv: boolean;
  /** /run/.containerenv, written by podman. */
  hasContainerenv: boolean;
  /** The `container` variable systemd-nspawn, podman and LXC set. */
  containerVariable?: string;
  /** /proc/1/cgroup. */
  initCgroup?: string;
}

export function classifyEnvironment(facts: EnvironmentFacts): EnvironmentType {
  const spark = facts.gpuNames.some((name) => /\bGB10\b/.test(name));
  if (spark || (facts.dgxRelease !== undefined && /spark/i.test(facts.dgxRelease))) return "dgx_spark";
  if (facts.dgxRelease !== undefined) return "dgx";
  if (facts.procVersion !== undefined && /microsoft|wsl/i.test(facts.procVersion)) return "wsl2";
  if (facts.hasDockerenv) return "docker";
  if (facts.hasContainerenv || facts.containerVariable) return "container";
  if (facts.initCgroup !== undefined && /docker|kubepods|containerd|libpod|lxc/.test(facts.initCgroup)) return "container";
  switch (facts.platform) {
    case "linux":
      return "native_linux";
    case "darwin":
      return "native_macos";
    case "win32":
      return "native_windows";
    default:
      return "unknown";
  }
}

export async function probeEnvironmentType(host: HostProbe, gpuNames: readonly string[]): Promise<EnvironmentType> {
  if (host.platform !== "linux") return classifyEnvironment({ platform: host.platform, gpuNames, hasDockerenv: false, hasContainerenv: false });
  const [dgxRelease, procVersion, dockerenv, containerenv, initCgroup] = await Promise.all([
    host.readFile("/etc/dgx-release"),
    host.readFile("/proc/version"),
    host.readFile("/.dockerenv"),
    host.readFile("/run/.containerenv"),
    host.readFile("/proc/1/cgroup"),
  ]);
  return classifyEnvironment({
    platform: host.platform,
    gpuNames,
    dgxRelease,
    procVersion,
    hasDockerenv: dockerenv !== undefined,
    hasContainerenv: containerenv !== undefined,
    containerVariable: host.env.container || undefined,
    initCgroup,
  });
}
