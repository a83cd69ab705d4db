import { describe, expect, it } from "vitest";
import { systemHost } from "../../src/hardware/host-probe.js";
import { parseMeminfo, usedKiB } from "../../src/hardware/meminfo.js";
import { parseOsReleasePrettyName, probeOsName } from "../../src/hardware/os-name.js";
import { nvidiaSmiFixture, recordedRunner, succeeded } from "./recorded-host.js";

describe("parseOsReleasePrettyName", () => {
  it("unquotes PRETTY_NAME", () => {
    expect(parseOsReleasePrettyName('NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 24.04.3 LTS"\n')).toBe("Ubuntu 24.04.3 LTS");
    expect(parseOsReleasePrettyName("PRETTY_NAME=Arch\n")).toBe("Arch");
    expect(parseOsReleasePrettyName('NAME="Ubuntu"\n')).toBeUndefined();
  });

  it("asks sw_vers on macOS", async () => {
    const host = systemHost({ platform: "darwin", run: recordedRunner({ "sw_vers -productVersion": succeeded("14.5\n") }) });
    expect(await probeOsName(host)).toBe("macOS 14.5");
  });
});

describe("parseMeminfo", () => {
  it("reads MemTotal and MemAvailable of a DGX Spark", () => {
    const meminfo = parseMeminfo(nvidiaSmiFixture("meminfo-gb10.txt"));
    expect(meminfo).toEqual({ totalKiB: 127600748, availableKiB: 118566368 });
    expect(usedKiB(meminfo)).toBe(9034380);
    expect(usedKiB(parseMeminfo("MemTotal: 1 kB\n"))).toBeUndefined();
  });
});
