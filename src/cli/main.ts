/**
 * The one place where errors become exit codes: every command's failure ends here as one
 * line on stderr (plus details such as an engine's last log lines), never a stack trace
 * unless KITT_DEBUG is set.
 */
import { CommanderError } from "commander";
import pc from "picocolors";
import { describeError, exitCodeFor, EXIT_CODES, isKittError } from "../errors.js";
import { installSignalHandlers } from "../runtime/lifecycle.js";
import { buildProgram } from "./program.js";

export async function main(argv: string[]): Promise<number> {
  let work: Promise<unknown> | undefined;
  installSignalHandlers({
    onSignal: (signal) => process.stderr.write(`\n${pc.yellow("kitt:")} ${signal} received, stopping engines and saving results…\n`),
    work: () => work,
    graceMs: 30_000,
  });
  const program = buildProgram();
  try {
    work = program.parseAsync(argv);
    await work;
    return 0;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message; help and version are not failures.
    return error.exitCode === 0 ? 0 : EXIT_CODES.USAGE;
  }
  process.stderr.write(`${pc.red("kitt: error:")} ${describeError(error)}\n`);
  if (isKittError(error)) {
    for (const line of error.details) process.stderr.write(`  ${pc.dim("│")} ${line}\n`);
  } else if (process.env.KITT_DEBUG) {
    process.stderr.write(`${(error as Error).stack ?? ""}\n`);
  } else {
    process.stderr.write(`${pc.dim("  (an internal error: set KITT_DEBUG=1 to see where it happened)")}\n`);
  }
  return exitCodeFor(error);
}
