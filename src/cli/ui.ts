/**
 * Terminal output for people: progress lines on stderr (so stdout stays clean for JSON),
 * each with the elapsed time; plain text when stderr is not a TTY (CI logs).
 */
import pc from "picocolors";

const started = performance.now();

function elapsed(): string {
  return pc.dim(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)}s]`);
}

export function step(message: string): void {
  process.stderr.write(`${elapsed()} ${message}\n`);
}

export function success(message: string): void {
  process.stderr.write(`${elapsed()} ${pc.green("✓")} ${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${elapsed()} ${pc.yellow("!")} ${message}\n`);
}

/** A progress line that rewrites itself on a TTY and prints at most every `everyMs` otherwise. */
export function progressLine(everyMs = 5_000): { update(text: string): void; done(text?: string): void } {
  const tty = process.stderr.isTTY;
  let lastPrint = Number.NEGATIVE_INFINITY;
  let last = "";
  // Off a TTY, whether `last` is already in the log: done() must not print it a second time.
  let lastPrinted = false;
  return {
    update(text) {
      last = text;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${elapsed()} ${text}`);
      } else if (performance.now() - lastPrint >= everyMs) {
        lastPrint = performance.now();
        process.stderr.write(`${elapsed()} ${text}\n`);
        lastPrinted = true;
      } else {
        lastPrinted = false;
      }
    },
    done(text) {
      if (tty) process.stderr.write(`\r\x1b[2K`);
      const final = text ?? (tty || !lastPrinted ? last : "");
      if (final) process.stderr.write(`${elapsed()} ${final}\n`);
    },
  };
}
