import { KittError } from "../../errors.js";
import { runPipeline } from "../../pipeline/run-pipeline.js";
import { registryHeadlines } from "../../results/metric-format.js";
import { renderTerminalSummary } from "../../report/terminal.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import { engineLaunchOptions } from "../options/engine.js";
import type { RunCommandOptions } from "../options/run.js";
import { withJobChannel } from "../job-channel.js";
import { terminalRunReporter } from "../run-reporter.js";
import { success } from "../ui.js";

/** `kitt run`: one engine, one suite, one results folder. */
export async function runCommand(options: RunCommandOptions): Promise<void> {
  const outcome = await runPipeline({
    ...engineLaunchOptions(options),
    suite: options.suite,
    output: options.output,
    skipWarmup: options.skipWarmup,
    runs: options.runs,
    testSettings: { limit: options.limit, sample: options.sample, sample_seed: options.sampleSeed, subjects: options.subjects, resume: options.resume },
    store: options.store && options.db,
    commandLine: process.argv.slice(2),
    signal: shutdownSignal,
    reporter: withJobChannel(terminalRunReporter()),
  });
  process.stdout.write(`${renderTerminalSummary(outcome.folder.snapshot(), { headlines: registryHeadlines(outcome.registry) })}\n`);
  success(`results: ${outcome.folder.dir}`);
  if (!outcome.summary.passed) {
    throw new KittError("BENCHMARK_FAILED", `some tests failed; see ${outcome.folder.dir}/summary.md`);
  }
}
