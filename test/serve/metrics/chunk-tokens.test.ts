import { describe, expect, it } from "vitest";
import { chunkTokenCounts } from "../../../src/serve/metrics/chunk-tokens.js";

describe("chunkTokenCounts", () => {
  it("uses the server's per-chunk counts as given", () => {
    expect(chunkTokenCounts([10, 20, 30], [3, 0, 2], 10, 99)).toEqual([3, 0, 2]);
  });

  it("attributes one token per content chunk when the counts agree", () => {
    expect(chunkTokenCounts([10, 20, 30], null, 10, 3)).toEqual([1, 1, 1]);
  });

  it("gives chunks before the first content nothing", () => {
    // a role-only opening chunk at 10, content from 20
    expect(chunkTokenCounts([10, 20, 30], null, 20, 2)).toEqual([0, 1, 1]);
  });

  it("puts the server's surplus on the last chunk", () => {
    // 3 content chunks, usage says 7: 1 + 1 + (1 + 4)
    expect(chunkTokenCounts([10, 20, 30], null, 10, 7)).toEqual([1, 1, 5]);
    expect(chunkTokenCounts([10], null, 10, 4)).toEqual([4]);
  });

  it("gives trailing chunks nothing once the count is used up", () => {
    // role chunk, 2 tokens, then a closing chunk without content
    expect(chunkTokenCounts([10, 20, 30, 40], null, 20, 2)).toEqual([0, 1, 1, 0]);
    expect(chunkTokenCounts([10, 20], null, 10, 0)).toEqual([0, 0]);
  });

  it("starts at the first chunk when no chunk had content", () => {
    expect(chunkTokenCounts([10, 20], null, null, 3)).toEqual([1, 2]);
  });

  it("always adds up to the output token count without server per-chunk counts", () => {
    for (const outputTokens of [0, 1, 2, 5, 40]) {
      const counts = chunkTokenCounts([1, 2, 3, 4, 5], null, 2, outputTokens);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(outputTokens);
    }
  });
});
