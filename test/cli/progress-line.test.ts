/** The self-updating progress line, as it lands in a log file (stderr not a terminal). */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { progressLine } from "../../src/cli/ui.js";

let written: string[];
const wasTTY = process.stderr.isTTY;

beforeEach(() => {
  written = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  Object.defineProperty(process.stderr, "isTTY", { value: false, configurable: true });
});

afterEach(() => {
  vi.restoreAllMocks();
  Object.defineProperty(process.stderr, "isTTY", { value: wasTTY, configurable: true });
});

const lines = (): string[] => written.join("").split("\n").filter(Boolean).map((line) => line.replace(/^\S*\[\s*[\d.]+s\]\S* /, ""));

describe("progressLine off a terminal", () => {
  it("prints a line once, not again when it ends", () => {
    const line = progressLine();
    line.update("waiting for the engine to be ready (probe 1: HTTP 200)");
    line.done();
    expect(lines()).toEqual(["waiting for the engine to be ready (probe 1: HTTP 200)"]);
  });

  it("prints the last state when it ends if throttling held it back, and an explicit final text always", () => {
    const line = progressLine(60_000);
    line.update("mmlu: measure 1/100");
    line.update("mmlu: measure 50/100");
    line.done();
    const final = progressLine(60_000);
    final.update("gsm8k: measure 1/10");
    final.done("gsm8k: 10/10 done");
    expect(lines()).toEqual(["mmlu: measure 1/100", "mmlu: measure 50/100", "gsm8k: measure 1/10", "gsm8k: 10/10 done"]);
  });
});
