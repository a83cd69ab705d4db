import { Command } from "@commander-js/extra-typings";
import { describe, expect, expectTypeOf, it } from "vitest";
import { positiveInt } from "../../src/cli/options/parsers.js";
import { addOptions, defineOptions } from "../../src/cli/options/table.js";

const TABLE = defineOptions({
  count: { flags: "-n, --count <n>", description: "how many", parse: positiveInt, default: 3 },
  mode: { flags: "--mode <kind>", description: "which way", choices: ["fast", "slow"], mandatory: true },
  store: { flags: "--no-store", description: "keep nothing" },
  name: { flags: "--name <text>", description: "a name" },
});

function parse(argv: string[]) {
  const command = addOptions(new Command("t").exitOverride().configureOutput({ writeErr: () => {} }), TABLE);
  command.parse(argv, { from: "user" });
  return command.opts();
}

describe("option tables", () => {
  it("become commander options with their defaults, parsers, choices and negations", () => {
    const options = parse(["--mode", "fast"]);
    expect(options).toEqual({ count: 3, mode: "fast", store: true });
    // The same table types the options (checked by `npm run typecheck`).
    expectTypeOf(options).toEqualTypeOf<{ count: number; mode: "fast" | "slow"; store: boolean; name?: string }>();
    expect(parse(["--mode", "slow", "-n", "7", "--no-store", "--name", "x"])).toEqual({ count: 7, mode: "slow", store: false, name: "x" });
    expect(() => parse(["--mode", "fast", "-n", "0"])).toThrow(/positive integer/);
    expect(() => parse(["--mode", "medium"])).toThrow(/Allowed choices are fast, slow/);
    expect(() => parse([])).toThrow(/required option '--mode <kind>' not specified/);
  });

  it("show an unlimited default as the 'inf' the flag takes, not commander's JSON null", () => {
    const command = addOptions(new Command("t"), { rate: { flags: "--rate <rps|inf>", description: "how fast", parse: Number, default: Infinity } });
    expect(command.helpInformation()).toContain("(default: inf)");
    expect(command.helpInformation()).not.toContain("null");
  });

  it("refuse a key that is not the attribute commander reads", () => {
    expect(() => addOptions(new Command("t"), { outputDir: { flags: "-o, --output <dir>", description: "where" } })).toThrow(/key 'outputDir' does not match/);
  });
});
