import { describe, expect, it } from "vitest";
import { diskForSource, parseDfOutput } from "../../src/hardware/storage.js";

const LSBLK = JSON.stringify({
  blockdevices: [
    { name: "sda", model: "ST4000DM004-2CV104 ", rota: true, type: "disk", size: "3.6T" },
    {
      name: "nvme0n1",
      model: "Samsung SSD 990 PRO 2TB",
      rota: false,
      type: "disk",
      size: "1.8T",
      children: [
        { name: "nvme0n1p1", model: null, rota: false, type: "part", size: "1G" },
        {
          name: "nvme0n1p2",
          model: null,
          rota: false,
          type: "part",
          size: "1.8T",
          children: [{ name: "ubuntu--vg-ubuntu--lv", model: null, rota: false, type: "lvm", size: "1.8T" }],
        },
      ],
    },
    { name: "sdb", model: "CT1000MX500SSD1", rota: "0", type: "disk", size: "931.5G" },
  ],
});

describe("parseDfOutput", () => {
  it("reads the source device and mount point", () => {
    const df = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/nvme0n1p2   1921724608 81234 1800000000       1% /home\n";
    expect(parseDfOutput(df)).toEqual({ source: "/dev/nvme0n1p2", mount: "/home" });
    expect(parseDfOutput("Filesystem 1024-blocks Used Available Capacity Mounted on\n")).toBeUndefined();
  });
});

describe("diskForSource", () => {
  it("walks up from a partition or an LVM volume to its disk", () => {
    expect(diskForSource(LSBLK, "/dev/nvme0n1p2")).toEqual({ device: "nvme0n1", model: "Samsung SSD 990 PRO 2TB", type: "nvme" });
    expect(diskForSource(LSBLK, "/dev/mapper/ubuntu--vg-ubuntu--lv")).toMatchObject({ device: "nvme0n1", type: "nvme" });
  });

  it("tells spinning disks from SSDs, with either ROTA spelling", () => {
    expect(diskForSource(LSBLK, "/dev/sda")).toEqual({ device: "sda", model: "ST4000DM004-2CV104", type: "hdd" });
    expect(diskForSource(LSBLK, "/dev/sdb")).toEqual({ device: "sdb", model: "CT1000MX500SSD1", type: "ssd" });
  });

  it("names a paravirtual disk as such, and uses the only disk behind an overlay", () => {
    const vm = JSON.stringify({
      blockdevices: [
        { name: "zram0", model: null, rota: false, type: "disk", size: "0B" },
        { name: "vda", model: null, rota: true, type: "disk", size: "256G" },
      ],
    });
    expect(diskForSource(vm, "overlay")).toEqual({ device: "vda", model: undefined, type: "virtual" });
  });

  it("gives up honestly when the disk cannot be told", () => {
    expect(diskForSource(LSBLK, "overlay")).toEqual({ type: "unknown" });
    expect(diskForSource("not json", "/dev/sda")).toEqual({ type: "unknown" });
  });
});
