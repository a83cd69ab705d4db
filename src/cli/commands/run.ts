import { KittError } from "../../errors.js";
import { runPipeline } from "../../pipeline/run-pipeline.js";
import { renderTerminalSummary } from "../../report/terminal.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import { terminalRunReporter } from "../run-reporter.js";
import { success } from "../ui.js";

export interface RunCommandOptions {
  engine: string;
  model?: string;
  runtime: "docker" | "native";
  url?: string;
  suite: string;
  output?: string;
  skipWarmup?: boolean;
  runs?: number;
  port?: number;
  image?: string;
  autoPull?: boolean;
  gpus: "auto" | "all" | "none";
  engineArg: string[];
  env: string[];
  binary?: string;
  readinessTimeout: number;
}

/** `kitt run`: one engine, one suite, one results folder. */
export async function runCommand(options: RunCommandOptions): Promise<void> {
  const outcome = await runPipeline({
    engine: options.engine,
    model: options.model,
    runtime: options.runtime,
    url: options.url,
    port: options.port,
    image: options.image,
    autoPull: options.autoPull,
    gpus: options.gpus,
    engineArgs: options.engineArg,
    env: parseEnv(options.env),
    binary: options.binary,
    backoff: { timeoutMs: options.readinessTimeout * 1000 },
    suite: options.suite,
    output: options.output,
    skipWarmup: options.skipWarmup,
    runs: options.runs,
    commandLine: process.argv.slice(2),
    signal: shutdownSignal,
    reporter: terminalRunReporter(),
  });
  process.stdout.write(`${renderTerminalSummary(outcome.folder.snapshot())}\n`);
  success(`results: ${outcome.folder.dir}`);
  if (!outcome.summary.passed) {
    throw new KittError("BENCHMARK_FAILED", `some tests failed; see ${outcome.folder.dir}/summary.md`);
  }
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new KittError("USAGE", `--env expects KEY=VALUE, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
