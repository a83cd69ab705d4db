import { describe, expect, it } from "vitest";
import { classifyEnvironment, probeEnvironmentType, type EnvironmentFacts } from "../../src/hardware/environment-type.js";
import { systemHost } from "../../src/hardware/host-probe.js";

const bare: EnvironmentFacts = { platform: "linux", gpuNames: [], hasDockerenv: false, hasContainerenv: false };

describe("classifyEnvironment", () => {
  it.each<[string, Partial<EnvironmentFacts>, string]>([
    ["a GB10 GPU", { gpuNames: ["NVIDIA GB10"], hasDockerenv: true }, "dgx_spark"],
    ["DGX OS naming Spark", { dgxRelease: 'DGX_NAME="DGX Spark"\n' }, "dgx_spark"],
    ["DGX OS", { dgxRelease: 'DGX_NAME="DGX Server"\n', gpuNames: ["NVIDIA H100 80GB HBM3"] }, "dgx"],
    ["a WSL2 kernel", { procVersion: "Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1)" }, "wsl2"],
    ["/.dockerenv", { hasDockerenv: true }, "docker"],
    ["/run/.containerenv", { hasContainerenv: true }, "container"],
    ["the container variable", { containerVariable: "systemd-nspawn" }, "container"],
    ["a kubepods cgroup", { initCgroup: "0::/kubepods/burstable/pod1234/abcd\n" }, "container"],
    ["nothing special", { initCgroup: "0::/init.scope\n" }, "native_linux"],
    ["macOS", { platform: "darwin" }, "native_macos"],
  ])("%s", (_, facts, expected) => {
    expect(classifyEnvironment({ ...bare, ...facts })).toBe(expected);
  });
});

describe("probeEnvironmentType", () => {
  it("reads the marker files of the host", async () => {
    const files: Record<string, string> = { "/proc/version": "Linux version 6.1.0-18-amd64", "/.dockerenv": "" };
    const host = systemHost({ platform: "linux", env: {}, readFile: async (path) => files[path] });
    expect(await probeEnvironmentType(host, [])).toBe("docker");
    expect(await probeEnvironmentType(host, ["NVIDIA GB10"])).toBe("dgx_spark");
  });
});
