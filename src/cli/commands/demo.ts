import { ensureTinyModel } from "../../models/tiny-model.js";
import { runPipeline } from "../../pipeline/run-pipeline.js";
import { assertPortFree, findFreePort } from "../../preflight/port.js";
import { registryHeadlines } from "../../results/metric-format.js";
import { renderTerminalSummary } from "../../report/terminal.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import { ensureLlamaServer } from "../../setup/llama-cpp-build.js";
import { terminalRunReporter } from "../run-reporter.js";
import type { DEMO_OPTIONS } from "../options/engines.js";
import type { OptionsOf } from "../options/table.js";
import { progressLine, step, success } from "../ui.js";

/**
 * `kitt demo`: the first thing a newcomer runs. Builds (or reuses) a CPU llama-server and a
 * tiny random-weight model, runs the quick suite on them natively, prints the report, and
 * leaves nothing running.
 */
export async function demoCommand(options: OptionsOf<typeof DEMO_OPTIONS>): Promise<void> {
  step("kitt demo: a CPU llama.cpp server and a tiny generated model, benchmarked with the quick suite");
  const progress = progressLine(10_000);
  const server = await ensureLlamaServer({
    onProgress: (event) => progress.update(`llama-server ${event.phase}: ${event.message}${event.percent === undefined ? "" : ` (${event.percent}%)`}`),
  });
  progress.done(`llama-server ${server.tag} ready (${server.binary})`);
  shutdownSignal.throwIfAborted();
  const model = await ensureTinyModel();
  success(`tiny model ready (${model})`);
  const port = await assertPortFree(8080).then(() => 8080, () => findFreePort());
  const outcome = await runPipeline({
    engine: "llama_cpp",
    model,
    runtime: "native",
    port,
    suite: "quick",
    store: undefined,
    output: options.output,
    commandLine: ["demo", ...process.argv.slice(3)],
    signal: shutdownSignal,
    reporter: terminalRunReporter(),
  });
  process.stdout.write(`${renderTerminalSummary(outcome.folder.snapshot(), { headlines: registryHeadlines(outcome.registry) })}\n`);
  success(`results kept in ${outcome.folder.dir}; the engine has been stopped`);
  step("next: 'kitt run -m MODEL -e ENGINE' on your own model, 'kitt engines list' for the engines");
}
