import { describe, expect, it } from "vitest";
import { sseData } from "../../src/protocols/sse-data.js";

async function data(...pieces: string[]): Promise<string[]> {
  async function* body() {
    yield* pieces;
  }
  const out: string[] = [];
  for await (const value of sseData(body())) out.push(value);
  return out;
}

describe("sseData", () => {
  it("yields each complete event, across any split", async () => {
    expect(await data("data: a\n\nda", "ta: b\n", "\n")).toEqual(["a", "b"]);
  });

  it("still yields a last event the server closed without a blank line after", async () => {
    expect(await data("data: a\n\ndata: b\n")).toEqual(["a", "b"]);
    expect(await data("data: a\n\ndata: b")).toEqual(["a", "b"]);
  });

  it("yields nothing extra when the stream ends cleanly", async () => {
    expect(await data("data: a\n\n")).toEqual(["a"]);
    expect(await data("")).toEqual([]);
  });
});
