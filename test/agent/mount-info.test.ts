import { existsSync, readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MOUNT_INFO_PATH, mountAt, parseMountInfo, readMountInfo } from "../../src/agent/mount-info.js";

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/mountinfo/${name}`, import.meta.url)), "utf8");

describe("mountinfo", () => {
  it("reads an NFS share, a bind mount and escaped spaces from a recorded host", () => {
    const entries = parseMountInfo(fixture("nfs-share.txt"));
    expect(entries).toHaveLength(5);
    expect(mountAt(entries, "/mnt/models")).toEqual({ root: "/", mountPoint: "/mnt/models", fsType: "nfs4", source: "nfs-server:/export/models" });
    expect(mountAt(entries, "/data with space")).toMatchObject({ root: "/srv/data", fsType: "ext4" });
    expect(mountAt(entries, "/mnt")).toBeUndefined();
  });

  it("takes the mount mounted last on a point, and skips malformed lines, in a recorded container", () => {
    const entries = parseMountInfo(fixture("container.txt"));
    expect(entries).toHaveLength(5);
    expect(mountAt(entries, "/mnt/share")?.fsType).toBe("tmpfs");
    expect(mountAt(entries, "/models")).toMatchObject({ root: "/home/ci/models", source: "/dev/nvme0n1p1" });
  });

  it.skipIf(!existsSync(MOUNT_INFO_PATH))("reads this machine's own mounts", async () => {
    const entries = await readMountInfo();
    expect(mountAt(entries, "/")).toBeDefined();
    expect(mountAt(entries, realpathSync("/proc"))?.fsType).toBe("proc");
    for (const entry of entries) expect(entry.mountPoint.startsWith("/")).toBe(true);
  });
});
