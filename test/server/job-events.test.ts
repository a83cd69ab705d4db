/** The bounded ring of a job's recent events: the oldest go first, and are counted. */
import { describe, expect, it } from "vitest";
import { DropOldestBuffer } from "../../src/server/jobs/job-events.js";

describe("DropOldestBuffer", () => {
  it("keeps the latest items, drops the oldest and counts them", () => {
    const buffer = new DropOldestBuffer<number>(3);
    for (let i = 1; i <= 5; i++) buffer.push(i);
    expect(buffer.snapshot()).toEqual([3, 4, 5]);
    expect(buffer.dropped).toBe(2);
    buffer.push(6);
    expect(buffer.snapshot()).toEqual([4, 5, 6]);
    expect(buffer.dropped).toBe(3);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new DropOldestBuffer(0)).toThrow(RangeError);
    expect(() => new DropOldestBuffer(1.5)).toThrow(RangeError);
  });
});
