/**
 * Reads a secret without putting it on the command line (where `ps` and shell history see it):
 * from a pipe (`kitt … < file`), or typed at a terminal with nothing echoed.
 */
import { KittError } from "../errors.js";

const MAX_BYTES = 4096;

export async function readSecret(prompt: string, input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const secret = input.isTTY ? await typed(prompt, input) : await piped(input);
  const trimmed = secret.trim();
  if (trimmed === "") throw new KittError("USAGE", "nothing was given: pipe the secret in, or type it at the prompt");
  return trimmed;
}

async function piped(input: NodeJS.ReadStream): Promise<string> {
  let text = "";
  for await (const chunk of input.setEncoding("utf8")) {
    text += chunk as string;
    if (text.length > MAX_BYTES) throw new KittError("USAGE", `the input is over ${MAX_BYTES} bytes: not a secret`);
  }
  return text;
}

function typed(prompt: string, input: NodeJS.ReadStream): Promise<string> {
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (end: () => void): void => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      end();
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return done(() => resolve(text));
        if (char === "\u0003") return done(() => reject(new KittError("INTERRUPTED_SIGINT", "interrupted")));
        if (char === "\u007f" || char === "\b") text = text.slice(0, -1);
        else text += char;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}
