import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src/results/metric-format.js";

describe("formatBytes", () => {
  it("writes whole bytes below 1 KiB and binary units with one decimal above", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(17.5 * 1024 * 1024)).toBe("17.5 MiB");
    expect(formatBytes(3 * 1024 ** 4)).toBe("3.0 TiB");
    expect(formatBytes(2048 * 1024 ** 4)).toBe("2048.0 TiB");
  });
});
