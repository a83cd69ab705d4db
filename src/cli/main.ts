/**
 * The one place where errors become exit codes: every command's failure ends here as one
 * line on stderr (plus details such as an engine's last log lines), never a stack trace
 * unless KITT_DEBUG is set. After Ctrl+C or SIGTERM the line is always "interrupted by
 * SIGINT|SIGTERM", whatever the interrupted step happened to throw.
 */
import { CommanderError } from "commander";
import pc from "picocolors";
import { describeError, exitCodeFor, EXIT_CODES, InterruptedError, isKittError } from "../errors.js";
import { installSignalHandlers, shutdownSignal } from "../runtime/lifecycle.js";
import { buildProgram } from "./program.js";

export async function main(argv: string[]): Promise<number> {
  let work: Promise<unknown> | undefined;
  let reported = false;
  const report = (error: unknown): number => {
    reported = true;
    return reportError(shutdownSignal.aborted ? shutdownSignal.reason : error);
  };
  installSignalHandlers({
    onSignal: (signal) => process.stderr.write(`\n${pc.yellow("kitt:")} ${signal} received, stopping engines and saving results…\n`),
    onForcedExit: (signal) =>
      process.stderr.write(
        `\n${pc.yellow("kitt:")} second ${signal}, exiting now; engines are being removed in the background ` +
          `(if one is left behind, 'kitt engines cleanup' removes it)\n`,
      ),
    work: () => work,
    graceMs: 30_000,
    exit: (code) => {
      // The command did not settle in time (or a second signal came): still say how it ended.
      if (!reported) report(shutdownSignal.reason);
      process.exit(code);
    },
  });
  const program = buildProgram();
  try {
    work = program.parseAsync(argv);
    await work;
    // A signal that came as the command finished still ends it as interrupted.
    return shutdownSignal.aborted ? report(shutdownSignal.reason) : 0;
  } catch (error) {
    return report(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message; help and version are not failures.
    return error.exitCode === 0 ? 0 : EXIT_CODES.USAGE;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(`${pc.yellow("kitt:")} ${error.message}\n`);
    return error.exitCode;
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
