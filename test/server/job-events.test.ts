/** The bounded buffers between a job and its viewers: the oldest go first, and are counted. */
import { describe, expect, it } from "vitest";
import { DropOldestBuffer } from "../../src/server/jobs/job-events.js";

describe("DropOldestBuffer", () => {
  it("keeps the latest items, drops the oldest and counts them until taken", () => {
    const buffer = new DropOldestBuffer<number>(3);
    for (let i = 1; i <= 5; i++) buffer.push(i);
    expect(buffer.snapshot()).toEqual([3, 4, 5]);
    expect(buffer.size).toBe(3);
    expect(buffer.take()).toEqual({ items: [3, 4, 5], dropped: 2 });
    expect(buffer.take()).toEqual({ items: [], dropped: 0 });
    buffer.push(6);
    expect(buffer.snapshot()).toEqual([6]);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new DropOldestBuffer(0)).toThrow(RangeError);
    expect(() => new DropOldestBuffer(1.5)).toThrow(RangeError);
  });
});
