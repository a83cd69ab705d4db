/** `kitt fingerprint [--json] [--verbose]`: what kitt knows about this machine. */
import pc from "picocolors";
import { collectFingerprint } from "../../hardware/fingerprint.js";
import { NO_GPU_LINE, summarizeFingerprint } from "../../hardware/fingerprint-summary.js";
import type { FINGERPRINT_OPTIONS } from "../options/engines.js";
import type { OptionsOf } from "../options/table.js";

export async function fingerprintCommand(options: OptionsOf<typeof FINGERPRINT_OPTIONS>): Promise<void> {
  const fingerprint = await collectFingerprint();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(fingerprint, null, 2)}\n`);
    return;
  }
  const lines = summarizeFingerprint(fingerprint, { verbose: options.verbose });
  const width = Math.max(...lines.map((line) => line.label.length));
  for (const { label, value } of lines) {
    const shown = value.startsWith(NO_GPU_LINE) ? pc.yellow(value) : value;
    process.stdout.write(`${pc.bold(label.padEnd(width))}  ${shown}\n`);
  }
}
