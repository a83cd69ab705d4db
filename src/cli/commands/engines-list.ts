import { engines } from "../../engines/registry.js";
import { textTable } from "../../report/text-table.js";
import type { JSON_OPTION } from "../options/common.js";
import type { OptionsOf } from "../options/table.js";

/** `kitt engines list`: every engine with its image, port, formats, runtimes and log-probability support. */
export async function enginesListCommand(options: OptionsOf<typeof JSON_OPTION>): Promise<void> {
  const rows = Object.values(engines).map((spec) => ({
    name: spec.name,
    description: spec.description,
    image: spec.defaultImage ?? null,
    port: spec.defaultPort,
    readiness: spec.readiness.path,
    protocols: [...spec.protocols],
    formats: [...spec.formats],
    runtimes: [...spec.runtimes],
    prompt_logprobs: spec.capabilities.promptLogprobs,
    top_logprobs: spec.capabilities.topLogprobs,
    metrics: spec.capabilities.metricsPath ?? null,
  }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const table = textTable({ head: ["engine", "default image", "port", "formats", "runtimes", "logprobs"] });
  for (const row of rows) {
    const logprobs = row.prompt_logprobs ? "prompt + top-k" : row.top_logprobs ? "top-k" : "none";
    table.push([row.name, row.image ?? "(native only)", row.port, row.formats.join(", "), row.runtimes.join(", "), logprobs]);
  }
  process.stdout.write(`${table.toString()}\n`);
}
