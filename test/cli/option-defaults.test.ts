import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { describe, expect, it } from "vitest";
import { serveConfigSchema } from "../../src/bench/serve-test.js";
import { buildProgram } from "../../src/cli/program.js";
import { SERVE_LOAD_DEFAULTS } from "../../src/serve/load/defaults.js";

/** The options a command receives for `argv`, its action replaced so nothing runs. */
async function parsedOptions(argv: string[]): Promise<Record<string, unknown>> {
  const program = buildProgram();
  let command: CommandUnknownOpts = program;
  for (const name of argv.filter((arg) => !arg.startsWith("-")).slice(0, 2)) {
    command = command.commands.find((sub) => sub.name() === name) ?? command;
  }
  let options: Record<string, unknown> = {};
  command.action(function (this: CommandUnknownOpts) {
    options = this.opts();
  });
  await program.parseAsync(argv, { from: "user" });
  return options;
}

describe("serving load defaults", () => {
  it("are the same for kitt bench serve and the serve suite test", async () => {
    const cli = await parsedOptions(["bench", "serve", "-e", "vllm"]);
    const suite = serveConfigSchema.parse({});
    expect(cli.percentiles).toEqual([90, 95, 99]);
    expect(suite.percentiles).toEqual(cli.percentiles);
    expect(suite.output_len).toBe(cli.randomOutputLen);
    expect(suite.range_ratio).toBe(cli.randomRangeRatio);
    expect(suite.burstiness).toBe(cli.burstiness);
    expect(suite.warmup_requests).toBe(cli.warmupRequests);
    expect(suite.seed).toBe(cli.seed);
    expect(cli.requestRate).toBe(Number.POSITIVE_INFINITY);
    expect(suite.request_rate).toBe("inf");
  });

  it("come from the serving layer's one declaration", async () => {
    const cli = await parsedOptions(["bench", "serve", "-e", "vllm"]);
    expect(cli.percentiles).toEqual(SERVE_LOAD_DEFAULTS.percentiles);
    expect(cli.warmupRequests).toBe(SERVE_LOAD_DEFAULTS.warmupRequests);
  });
});

describe("option tables", () => {
  it("give every command the options commander parsed, defaults applied", async () => {
    expect(await parsedOptions(["storage", "list"])).toEqual({ limit: 50 });
    expect(await parsedOptions(["results", "list", "--hardware", "h100"])).toEqual({ hardware: "h100", limit: 50 });
    expect(await parsedOptions(["run", "-e", "llama_cpp", "--no-store"])).toMatchObject({ engine: "llama_cpp", suite: "quick", runtime: "docker", store: false });
  });
});
